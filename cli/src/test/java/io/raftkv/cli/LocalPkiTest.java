package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The certificates {@code local up --tls} issues: what the nodes and the CLI need of them, and nothing readable by others. */
class LocalPkiTest {
    @TempDir
    Path dir;

    private LocalCluster cluster() {
        List<LocalCluster.Node> nodes = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            nodes.add(new LocalCluster.Node(i, 7000 + i, 8000 + i, 9000 + i, 0));
        }
        return new LocalCluster(dir, "local-test", List.of(), nodes).withTls();
    }

    private static X509Certificate cert(Path file) throws Exception {
        String text = Files.readString(file);
        assertTrue(text.startsWith("-----BEGIN CERTIFICATE-----\n"), file + ": " + text);
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file)));
    }

    private static PrivateKey key(Path file) throws Exception {
        String text = Files.readString(file);
        assertTrue(text.startsWith("-----BEGIN PRIVATE KEY-----\n"), file + " is PKCS#8, as the nodes read it");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file + " is the owner's only");
        String body = text.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(body)));
    }

    /** The key signs what the certificate's public key verifies: a pair. */
    private static void assertPair(X509Certificate cert, PrivateKey key) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(key);
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        Signature v = Signature.getInstance("SHA256withECDSA");
        v.initVerify(cert.getPublicKey());
        v.update(new byte[] {1, 2, 3});
        assertTrue(v.verify(sig), cert.getSubjectX500Principal() + " and its key");
    }

    /** Subject alternative names as "type:value" (2 dns, 6 uri, 7 ip). */
    private static List<String> sans(X509Certificate c) throws Exception {
        List<String> out = new ArrayList<>();
        if (c.getSubjectAlternativeNames() != null) {
            for (List<?> n : c.getSubjectAlternativeNames()) {
                int type = (Integer) n.get(0);
                out.add((type == 2 ? "dns" : type == 6 ? "uri" : type == 7 ? "ip" : Integer.toString(type)) + ":" + n.get(1));
            }
        }
        return out;
    }

    @Test
    void aCaPerClusterAServerAndAPeerCertificatePerNodeAndAClientCertificate() throws Exception {
        LocalCluster c = cluster();
        LocalPki.create(c);
        X509Certificate ca = cert(c.caFile());
        assertTrue(ca.getBasicConstraints() >= 0, "the CA may issue");
        key(c.caKeyFile());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(c.tlsDir())));

        X509Certificate client = cert(c.clientCertFile());
        client.verify(ca.getPublicKey());
        assertPair(client, key(c.clientKeyFile()));
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), client.getExtendedKeyUsage(), "clientAuth only");
        assertEquals(List.of(), sans(client));

        for (long id = 1; id <= 3; id++) {
            Path own = c.nodeTlsDir(id);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(own)));
            X509Certificate server = cert(own.resolve("server.pem"));
            server.verify(ca.getPublicKey());
            assertPair(server, key(own.resolve("server-key.pem")));
            assertEquals(List.of("dns:localhost", "ip:127.0.0.1"), sans(server), "the host the CLI dials");
            X509Certificate peer = cert(own.resolve("peer.pem"));
            peer.verify(ca.getPublicKey());
            assertPair(peer, key(own.resolve("peer-key.pem")));
            assertEquals(List.of("uri:urn:raftkv:member:" + id, "dns:localhost", "ip:127.0.0.1"), sans(peer),
                    "the member identity the nodes check");
            assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), peer.getExtendedKeyUsage(), "a peer serves and connects");
        }
    }

    @Test
    void aNodeAddedLaterGetsItsCertificatesFromTheSameCa() throws Exception {
        LocalCluster c = cluster();
        LocalPki.create(c);
        LocalPki.issueNode(c, 4);
        X509Certificate peer = cert(c.nodeTlsDir(4).resolve("peer.pem"));
        peer.verify(cert(c.caFile()).getPublicKey());
        assertPair(peer, key(c.nodeTlsDir(4).resolve("peer-key.pem")));
        assertTrue(sans(peer).contains("uri:urn:raftkv:member:4"), sans(peer).toString());
    }

    @Test
    void theNodesAreStartedWithEveryTlsFlagAndTheirOwnFiles() {
        LocalCluster c = cluster();
        String cmd = String.join(" ", c.command(2));
        Path own = c.nodeTlsDir(2);
        assertTrue(cmd.contains("--cert-file " + own.resolve("server.pem") + " --key-file " + own.resolve("server-key.pem")
                + " --trusted-ca-file " + c.caFile() + " --client-cert-auth --peer-cert-file " + own.resolve("peer.pem")
                + " --peer-key-file " + own.resolve("peer-key.pem") + " --peer-trusted-ca-file " + c.caFile()), cmd);
        c.store();
        LocalCluster loaded = LocalCluster.load(dir).orElseThrow();
        assertTrue(loaded.tls(), "recorded, so restarts and later commands speak TLS");
        assertEquals("https://127.0.0.1:9002/metrics", loaded.metricsUrl(loaded.node(2)));
        assertTrue(!String.join(" ", new LocalCluster(dir, "t", List.of(), c.nodes()).command(2)).contains("--cert-file"));
    }
}
