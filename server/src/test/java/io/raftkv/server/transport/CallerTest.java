package io.raftkv.server.transport;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Who may speak for which member on the peer server. */
class CallerTest {
    @Test
    void aCallThatBypassedTheInterceptorSpeaksForNoOne() {
        // The old fallback checked nothing: with peer TLS on, a wiring mistake would have let any caller speak
        // for every member.
        String refusal = Caller.current().cannotSpeakFor(1, 2);
        assertNotNull(refusal, "no caller identity must not mean no check");
        assertTrue(refusal.contains("wiring bug"), refusal);
    }

    @Test
    void anInterceptedCallIsCheckedAgainstItsCertificate() throws Exception {
        Caller member3 = new Caller("127.0.0.1:5000", Set.of(3L), true);
        Context.current().withValue(Caller.KEY, member3).call(() -> {
            assertNull(Caller.current().cannotSpeakFor(3, 2));
            String refusal = Caller.current().cannotSpeakFor(1, 2);
            assertNotNull(refusal);
            assertTrue(refusal.contains("is for member 3") && refusal.contains("127.0.0.1:5000"), refusal);
            return null;
        });
    }

    @Test
    void plaintextPeersAreNotChecked() throws Exception {
        Caller plaintext = new Caller("127.0.0.1:5000", Set.of(), false);
        Context.current().withValue(Caller.KEY, plaintext).call(() -> {
            assertNull(Caller.current().cannotSpeakFor(1, 2), "without peer TLS there is no identity to check");
            return null;
        });
    }
}
