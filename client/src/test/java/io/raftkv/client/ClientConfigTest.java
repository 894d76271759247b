package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Settings a client is built from, checked before any connection. */
class ClientConfigTest {
    @Test
    void aPasswordForAnotherMachineWithoutTlsIsWarnedAbout() {
        Optional<String> w = RaftKvClient.builder().endpoints("127.0.0.1:2379", "10.0.0.5:2379", "db.example:2379")
                .credentials("alice", "s3cret-pw").plaintextPasswordWarning();
        assertTrue(w.isPresent(), "credentials in plaintext to a remote host");
        assertTrue(w.get().contains("'alice'") && w.get().contains("10.0.0.5:2379, db.example:2379"), w.get());
        assertFalse(w.get().contains("127.0.0.1"), "the loopback endpoint is not the problem: " + w.get());
        assertFalse(w.get().contains("s3cret-pw"), "never the password itself");
    }

    @Test
    void loopbackEndpointsOrNoCredentialsNeedNoWarning() {
        assertEquals(Optional.empty(), RaftKvClient.builder().endpoints("127.0.0.1:1", "localhost:2", "[::1]:3", "127.9.8.7:4")
                .credentials("alice", "pw").plaintextPasswordWarning());
        assertEquals(Optional.empty(), RaftKvClient.builder().endpoints("10.0.0.5:2379").plaintextPasswordWarning());
    }
}
