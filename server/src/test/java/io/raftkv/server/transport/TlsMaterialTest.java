package io.raftkv.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.server.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reloading key and trust managers, the PEM reader and the member identity convention, with a fake clock. */
class TlsMaterialTest {
    private static final Duration CHECK = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private void tick() {
        nanos.addAndGet(CHECK.toNanos());
    }

    private ReloadingKeyManager keys(TestPki.Issued issued) {
        return new ReloadingKeyManager(issued.certFile(), issued.keyFile(), "test key", nanos::get, CHECK);
    }

    private static X509Certificate served(ReloadingKeyManager km) {
        return km.getCertificateChain(km.chooseEngineServerAlias("EC", null, null))[0];
    }

    @Test
    void newHandshakesGetTheNewCertificateOnceTheFilesChangedAndASecondPassed() {
        TestPki ca = TestPki.create(dir, "a");
        TestPki.Issued first = ca.server("node");
        ReloadingKeyManager km = keys(first);
        String oldAlias = km.chooseEngineServerAlias("EC", null, null);
        assertEquals(first.certificate(), served(km));

        TestPki.Issued second = ca.server("node");
        assertEquals(first.certificate(), served(km), "the files are looked at once a second at most");
        tick();
        assertEquals(second.certificate(), served(km));
        assertEquals(second.certificate().getPublicKey(), km.getCertificateChain(km.chooseEngineServerAlias("EC", null, null))[0]
                .getPublicKey());
        // A handshake that chose its alias before the reload still gets that version's chain and key.
        assertEquals(first.certificate(), km.getCertificateChain(oldAlias)[0]);
        assertEquals("EC", km.getPrivateKey(oldAlias).getAlgorithm());
        assertNull(km.getPrivateKey("no-such-alias"));
    }

    @Test
    void aKeyThatDoesNotBelongToTheNewCertificateKeepsThePreviousPairUntilItIsFixed() throws IOException {
        TestPki ca = TestPki.create(dir, "a");
        TestPki.Issued first = ca.server("node");
        ReloadingKeyManager km = keys(first);
        TestPki.Issued other = ca.server("other");
        // The certificate is replaced, its key not yet: a rotation half done.
        Files.copy(other.certFile(), first.certFile(), StandardCopyOption.REPLACE_EXISTING);
        tick();
        assertEquals(first.certificate(), served(km), "a mismatched pair is never served");
        Files.copy(other.keyFile(), first.keyFile(), StandardCopyOption.REPLACE_EXISTING);
        tick();
        assertEquals(other.certificate(), served(km));
    }

    @Test
    void unusableFilesAtStartNameTheFileAndNeverItsContents() throws IOException {
        TestPki ca = TestPki.create(dir, "a");
        TestPki.Issued node = ca.server("node");
        Path missing = dir.resolve("missing.pem");
        IllegalArgumentException gone = assertThrows(IllegalArgumentException.class,
                () -> new ReloadingKeyManager(missing, node.keyFile(), "client-port certificate and key", nanos::get, CHECK));
        assertTrue(gone.getMessage().contains(missing.toString()) && gone.getMessage().contains("client-port certificate"),
                gone.getMessage());

        Path pkcs1 = dir.resolve("rsa.pem");
        Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX\n-----END RSA PRIVATE KEY-----\n");
        IllegalArgumentException old = assertThrows(IllegalArgumentException.class,
                () -> new ReloadingKeyManager(node.certFile(), pkcs1, "key", nanos::get, CHECK));
        assertTrue(old.getMessage().contains("openssl pkcs8 -topk8") && !old.getMessage().contains("MIIBOg"), old.getMessage());

        IllegalArgumentException notCerts = assertThrows(IllegalArgumentException.class,
                () -> new ReloadingTrustManager(node.keyFile(), "CA", nanos::get, CHECK));
        assertTrue(notCerts.getMessage().contains(node.keyFile().toString()), notCerts.getMessage());
    }

    @Test
    void theTrustedCaIsReloadedToo() throws Exception {
        TestPki a = TestPki.create(dir.resolve("a"), "a");
        TestPki b = TestPki.create(dir.resolve("b"), "b");
        Path bundle = dir.resolve("trusted.pem");
        Files.copy(a.caFile(), bundle);
        ReloadingTrustManager tm = new ReloadingTrustManager(bundle, "CA", nanos::get, CHECK);
        X509Certificate fromB = b.client("c").certificate();
        tm.checkClientTrusted(new X509Certificate[] {a.client("c").certificate()}, "EC");
        assertThrows(CertificateException.class, () -> tm.checkClientTrusted(new X509Certificate[] {fromB}, "EC"));

        // The bundle now lists both CAs (how a CA is rotated).
        Files.writeString(bundle, Files.readString(a.caFile()) + Files.readString(b.caFile()));
        tick();
        tm.checkClientTrusted(new X509Certificate[] {fromB}, "EC");
        assertEquals(2, tm.getAcceptedIssuers().length);
    }

    @Test
    void aMemberCertificateNamesItsMemberAndNothingElseDoes() {
        TestPki ca = TestPki.create(dir, "a");
        assertEquals(Set.of(3L), MemberIdentity.of(ca.member(3).certificate()));
        assertEquals(Set.of(), MemberIdentity.of(ca.server("s").certificate()));
        assertEquals(Set.of(), MemberIdentity.of(ca.issue("odd", "uri:urn:raftkv:member:x", "uri:https://member/4").certificate()));
        assertEquals(Set.of(4L, 5L), MemberIdentity.of(ca.issue("two", "uri:urn:raftkv:member:4", "uri:urn:raftkv:member:5")
                .certificate()));
    }
}
