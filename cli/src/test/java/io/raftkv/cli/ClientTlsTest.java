package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --cacert --cert --key}, their environment variables, {@code https://} endpoints and the local cluster's
 * own certificates: which files a command uses, and the usage errors (exit 2) for files missing, given half, or
 * not belonging together. No cluster: what a TLS cluster answers is LocalTlsIT's.
 */
class ClientTlsTest {
    @TempDir
    Path dir;
    private LocalCluster secure;

    /** A local cluster started with --tls (recorded, certificates issued; no node runs). */
    @BeforeEach
    void pki() {
        List<LocalCluster.Node> nodes = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            nodes.add(new LocalCluster.Node(i, 7000 + i, 8000 + i, 9000 + i, 0));
        }
        secure = new LocalCluster(dir.resolve("secure"), "local-t", List.of(), nodes).withTls();
        LocalPki.create(secure);
        secure.store();
    }

    private CliContext ctx(Map<String, String> env) {
        return new CliContext(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]),
                env, dir, () -> {
                    throw new AssertionError("no nodes here");
                });
    }

    /** What {@code raftkv get k ARGS} would connect with (parsed, resolved, not run). */
    private Endpoints.Resolved resolved(Map<String, String> env, String... args) {
        List<String> all = new ArrayList<>(List.of("get", "k"));
        all.addAll(List.of(args));
        CliContext ctx = ctx(env);
        CommandLine cl = Main.build(ctx, all.toArray(new String[0]));
        CommandLine.ParseResult p = cl.parseArgs(all.toArray(new String[0]));
        KvCommands.Get get = (KvCommands.Get) p.subcommand().commandSpec().userObject();
        return get.options.resolve(ctx);
    }

    private Endpoints.Resolved resolved(String... args) {
        return resolved(Map.of(), args);
    }

    @Test
    void flagsNameTheFilesAndTurnTlsOn() {
        Endpoints.Resolved r = resolved("--endpoints", "127.0.0.1:8001", "--cacert", secure.caFile().toString(),
                "--cert", secure.clientCertFile().toString(), "--key", secure.clientKeyFile().toString());
        assertEquals(List.of("127.0.0.1:8001"), r.endpoints());
        assertEquals(new ClientTls(secure.caFile(), secure.clientCertFile(), secure.clientKeyFile(), "--cacert, --cert, --key"), r.tls());
        assertNull(resolved("--endpoints", "127.0.0.1:8001").tls(), "plaintext without them");
    }

    @Test
    void eachFileIsItsFlagElseItsEnvironmentVariable() {
        Map<String, String> env = Map.of("RAFTKV_CACERT", secure.caFile().toString(), "RAFTKV_CERT", secure.clientCertFile().toString(),
                "RAFTKV_KEY", secure.clientKeyFile().toString(), "RAFTKV_ENDPOINTS", "127.0.0.1:8001");
        assertEquals(new ClientTls(secure.caFile(), secure.clientCertFile(), secure.clientKeyFile(),
                "RAFTKV_CACERT, RAFTKV_CERT, RAFTKV_KEY"), resolved(env).tls());
        Path otherCa = secure.nodeTlsDir(1).resolve("server.pem");
        ClientTls mixed = resolved(env, "--cacert", otherCa.toString()).tls();
        assertEquals(otherCa, mixed.caFile());
        assertEquals(secure.clientCertFile(), mixed.certFile());
        assertEquals("--cacert, RAFTKV_CERT, RAFTKV_KEY", mixed.source());
    }

    @Test
    void aLocalClustersEndpointsComeWithItsOwnCertificatesOrWithNone() {
        ClientTls own = resolved("--dir", secure.dir().toString()).tls();
        assertEquals(new ClientTls(secure.caFile(), secure.clientCertFile(), secure.clientKeyFile(), "the local cluster in "
                + secure.dir()), own);
        assertEquals(own, resolved(Map.of(), "--dir", "secure").tls(), "relative to the working directory");

        // A plaintext local cluster stays plaintext even in a shell set up for a secure remote cluster.
        LocalCluster plain = new LocalCluster(dir.resolve("plain"), "local-p", List.of(), secure.nodes());
        plain.store();
        Map<String, String> env = Map.of("RAFTKV_CACERT", secure.caFile().toString());
        assertNull(resolved(env, "--dir", plain.dir().toString()).tls());
        // ... unless a flag says otherwise.
        assertEquals(secure.caFile(), resolved(env, "--dir", plain.dir().toString(), "--cacert", secure.caFile().toString()).tls().caFile());
    }

    @Test
    void httpsEndpointsTurnTlsOnAndDoNotMixWithHttp() {
        Endpoints.Resolved r = resolved("--endpoints", "https://127.0.0.1:8001/,https://127.0.0.1:8002", "--cacert",
                secure.caFile().toString());
        assertEquals(List.of("127.0.0.1:8001", "127.0.0.1:8002"), r.endpoints());
        assertEquals(secure.caFile(), r.tls().caFile());
        ClientTls jdkTrust = resolved("--endpoints", "HTTPS://127.0.0.1:8001").tls();
        assertEquals(new ClientTls(null, null, null, "https:// in --endpoints"), jdkTrust, "the JDK's CAs");

        CliException mixed = assertThrows(CliException.class, () -> resolved("--endpoints", "https://a:1,http://b:2"));
        assertEquals("--endpoints mixes http:// and https:// endpoints: a cluster speaks TLS on every node or on none", mixed.getMessage());
        CliException plainScheme = assertThrows(CliException.class, () -> resolved("--endpoints", "http://a:1", "--cacert",
                secure.caFile().toString()));
        assertEquals(CliException.USAGE, plainScheme.exitCode());
        assertEquals("--endpoints names an http:// endpoint, but --cacert asks for TLS: give https://host:port or host:port",
                plainScheme.getMessage());
    }

    @Test
    void filesMissingOrGivenHalfAreUsageErrorsNamingThem() {
        CliException missing = assertThrows(CliException.class, () -> resolved("--endpoints", "a:1", "--cacert", "nowhere.pem"));
        assertEquals("--cacert " + dir.resolve("nowhere.pem") + ": no such file", missing.getMessage());
        assertEquals(CliException.USAGE, missing.exitCode());
        CliException noKey = assertThrows(CliException.class, () -> resolved("--endpoints", "a:1", "--cert",
                secure.clientCertFile().toString()));
        assertEquals("--cert needs --key (or RAFTKV_KEY): the certificate's private key", noKey.getMessage());
        CliException noCert = assertThrows(CliException.class, () -> resolved(Map.of("RAFTKV_KEY", secure.clientKeyFile().toString()),
                "--endpoints", "a:1"));
        assertEquals("RAFTKV_KEY needs --cert (or RAFTKV_CERT): the certificate the key belongs to", noCert.getMessage());
        CliException aDirectory = assertThrows(CliException.class, () -> resolved("--endpoints", "a:1", "--cacert", dir.toString()));
        assertEquals("--cacert " + dir + ": not a readable file", aDirectory.getMessage());
    }

    /** The whole command: a certificate with another certificate's key is refused before anything is sent. */
    @Test
    void aKeyOfAnotherCertificateExitsTwoNamingBothFiles() {
        Path otherKey = secure.nodeTlsDir(1).resolve("server-key.pem");
        FakeCluster.Result r = FakeCluster.run(Map.of(), dir, "get", "k", "--endpoints", "127.0.0.1:1", "--cacert",
                secure.caFile().toString(), "--cert", secure.clientCertFile().toString(), "--key", otherKey.toString());
        assertEquals(2, r.code(), r.toString());
        assertEquals("error: TLS (--cacert, --cert, --key): the key in " + otherKey + " does not belong to the certificate in "
                + secure.clientCertFile() + " (they must be issued together)\n", r.err());
    }

    /** Every command that talks to a cluster takes the three flags. */
    @Test
    void everyClientCommandTakesTheTlsFlags() {
        String[] tls = {"--cacert", "ca.pem", "--cert", "c.pem", "--key", "k.pem"};
        List<String[]> commands = List.of(new String[] {"put", "k", "v"}, new String[] {"get", "k"}, new String[] {"del", "k"},
                new String[] {"cas", "k", "-", "v"}, new String[] {"scan"}, new String[] {"txn"}, new String[] {"status"},
                new String[] {"members"}, new String[] {"member", "list"}, new String[] {"member", "remove", "3"},
                new String[] {"transfer", "0"}, new String[] {"endpoint", "status"}, new String[] {"endpoint", "health"},
                new String[] {"alarm", "list"}, new String[] {"check", "state"}, new String[] {"backup", "save", "f.rkv"},
                new String[] {"auth", "status"}, new String[] {"user", "list"}, new String[] {"role", "list"});
        CliContext ctx = ctx(Map.of());
        List<String> refused = new ArrayList<>();
        for (String[] c : commands) {
            List<String> args = new ArrayList<>(List.of(c));
            args.addAll(List.of(tls));
            String[] a = args.toArray(new String[0]);
            try {
                Main.build(ctx, a).parseArgs(a);
            } catch (CommandLine.ParameterException e) {
                refused.add(String.join(" ", c) + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), refused);
    }
}
