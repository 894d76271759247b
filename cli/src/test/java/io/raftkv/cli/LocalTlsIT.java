package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/raftkv local up --tls} as a user runs it (issue 13 item 2): a secure cluster of real node processes
 * in one command, every later command against it speaking TLS with its certificates, and every client without
 * them refused, with a message that says what to pass.
 */
class LocalTlsIT {
    @TempDir
    Path dir;
    private BinRaftkv raftkv;
    private String c;

    @AfterEach
    void down() {
        if (c != null) {
            raftkv.run("local", "down", "--dir", c);
            BinRaftkv.keepLogs(Path.of(c), "LocalTlsIT");
        }
    }

    /** Other commands do not pay for the certificate issuer: BouncyCastle is beside the runnable jar, not in it. */
    @Test
    void theCertificateIssuersJarsAreBesideTheCliJarNotInIt() throws java.io.IOException {
        Path jar = BinRaftkv.ROOT.resolve("cli/target/raftkv-cli.jar");
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(jar.toFile())) {
            assertEquals(0, z.stream().filter(e -> e.getName().startsWith("org/bouncycastle/")).count(), jar.toString());
            assertTrue(z.getEntry("io/raftkv/cli/CertIssuer.class") != null);
        }
        try (var lib = Files.list(jar.resolveSibling("lib"))) {
            assertEquals(java.util.List.of("bcpkix", "bcprov", "bcutil"), lib.map(p -> p.getFileName().toString().split("-")[0]).sorted()
                    .toList());
        }
    }

    @Test
    void aSecureLocalClusterInOneCommandThatRefusesEveryoneElse() {
        raftkv = new BinRaftkv(dir);
        c = dir.resolve("secure").toString();
        BinRaftkv.Run up = raftkv.ok("local", "up", "--tls", "--dir", c, "--base-port", "0");
        assertTrue(up.out().contains(", metrics https://127.0.0.1:"), up.out());
        assertTrue(up.out().contains("tls: CA " + c + "/tls/ca.pem, client certificate " + c + "/tls/client.pem"), up.out());
        LocalCluster cluster = DrillSupport.cluster(Path.of(c));
        assertTrue(cluster.tls());
        for (Path key : new Path[] {cluster.caKeyFile(), cluster.clientKeyFile(), cluster.nodeTlsDir(1).resolve("peer-key.pem")}) {
            assertEquals("rw-------", perms(key), key.toString());
        }

        // The cluster's own commands use its certificates: no flag needed.
        assertTrue(raftkv.ok("put", "greeting", "hello", "--dir", c).out().startsWith("OK index="));
        assertEquals("hello", raftkv.ok("get", "greeting", "--dir", c).out());
        assertEquals(3, raftkv.ok("endpoint", "health", "--cluster", "--dir", c).out().lines().filter(l -> l.contains(" is healthy")).count());

        // A plaintext client is refused, and told why.
        String endpoints = cluster.endpoints();
        BinRaftkv.Run plaintext = raftkv.exits(1, "get", "greeting", "--endpoints", endpoints);
        assertTrue(plaintext.err().contains("as a node with TLS does to a plaintext client: give --cacert"), plaintext.err());
        // Trusting the CA is not enough: the nodes require a client certificate.
        BinRaftkv.Run anonymous = raftkv.exits(1, "get", "greeting", "--endpoints", endpoints, "--cacert", cluster.caFile().toString());
        assertTrue(anonymous.err().startsWith("error: no node accepted this client's TLS (") && anonymous.err().contains("--cert and --key"),
                anonymous.err());

        // The files by flag, with https:// endpoints, and by environment variable.
        String https = "https://" + endpoints.replace(",", ",https://");
        assertEquals("hello", raftkv.ok("get", "greeting", "--endpoints", https, "--cacert", cluster.caFile().toString(), "--cert",
                cluster.clientCertFile().toString(), "--key", cluster.clientKeyFile().toString()).out());
        BinRaftkv.Run env = raftkv.run(Map.of("RAFTKV_ENDPOINTS", endpoints, "RAFTKV_CACERT", cluster.caFile().toString(),
                "RAFTKV_CERT", cluster.clientCertFile().toString(), "RAFTKV_KEY", cluster.clientKeyFile().toString()), null,
                "get", "greeting");
        assertEquals(0, env.exit(), env.toString());
        assertEquals("hello", env.out());

        // Restarts and a node added later speak TLS too (its certificates come from the same CA).
        raftkv.ok("local", "kill", "leader", "--dir", c);
        raftkv.ok("local", "restart", "all", "--dir", c);
        BinRaftkv.Run added = raftkv.ok("local", "add", "4", "--learner", "--dir", c);
        assertTrue(added.out().contains(", metrics https://127.0.0.1:"), added.out());
        raftkv.ok("member", "promote", "4", "--timeout", "30s", "--dir", c);
        LocalCluster.Node n4 = DrillSupport.cluster(Path.of(c)).node(4);
        DrillSupport.await(java.time.Duration.ofSeconds(30), "node 4 to hold the data", () -> "hello".equals(
                raftkv.run("get", "greeting", "--serializable", "--endpoints", n4.clientAddress(), "--cacert", cluster.caFile().toString(),
                        "--cert", cluster.clientCertFile().toString(), "--key", cluster.clientKeyFile().toString()).out()));
        assertEquals(4, raftkv.ok("endpoint", "health", "--cluster", "--dir", c).out().lines().filter(l -> l.contains(" is healthy")).count());
    }

    private static String perms(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
