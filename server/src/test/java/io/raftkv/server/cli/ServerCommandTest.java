package io.raftkv.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code raftkv server}: flags, the config file and their errors, checked through --print-config. */
class ServerCommandTest {
    private static final String CLUSTER = "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003";

    @TempDir
    Path tmp;

    private CliRunner.Result server(String... args) {
        List<String> all = new ArrayList<>(List.of("server"));
        all.addAll(Arrays.asList(args));
        return CliRunner.run(tmp, all.toArray(new String[0]));
    }

    private static Properties props(String text) throws IOException {
        Properties p = new Properties();
        p.load(new java.io.StringReader(text));
        return p;
    }

    private static void assertUsageError(CliRunner.Result r, String... fragments) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + f + "' in " + r.err());
        }
    }

    @Test
    void flagsBuildTheConfigWithDefaultsFromServerConfig() throws IOException {
        CliRunner.Result r = server("--id", "2", "--initial-cluster", CLUSTER, "--client-addr", "127.0.0.1:8002",
                "--data-dir", "d2", "--tick", "50ms", "--max-value-bytes", "2MiB", "--max-request-bytes", "4MiB",
                "--print-config");
        assertEquals(0, r.code(), r.err());
        Properties p = props(r.out());
        assertEquals("2", p.getProperty("id"));
        assertEquals(CLUSTER, p.getProperty("initial-cluster"));
        assertEquals("127.0.0.1:7002", p.getProperty("peer-addr"), "peer address defaults to the node's entry");
        assertEquals(tmp.resolve("d2").toString(), p.getProperty("data-dir"), "relative to the working directory");
        assertEquals("50ms", p.getProperty("tick"));
        assertEquals("10", p.getProperty("election-ticks"));
        assertEquals("5s", p.getProperty("request-timeout"));
        assertEquals(Integer.toString(2 << 20), p.getProperty("max-value-bytes"));
        assertEquals("4096", p.getProperty("max-key-bytes"));
        assertEquals("raftkv", p.getProperty("cluster-token"));
        assertFalse(p.containsKey("unsafe-local-reads"));
        assertFalse(p.containsKey("advertise-client-addr"), "no advertised address unless one is given");
    }

    @Test
    void joinTakesTheRunningClustersIdAndRoundTrips() throws IOException {
        String withFour = CLUSTER + ",4=127.0.0.1:7004";
        CliRunner.Result r = server("--id", "4", "--initial-cluster", withFour, "--client-addr", "127.0.0.1:8004",
                "--data-dir", "d4", "--join", "5f3a9c", "--peer-addresses", "7=10.0.0.7:7000, 9=10.0.0.9:7000", "--print-config");
        assertEquals(0, r.code(), r.err());
        Properties p = props(r.out());
        assertEquals("5f3a9c", p.getProperty("join"));
        assertEquals("7=10.0.0.7:7000,9=10.0.0.9:7000", p.getProperty("peer-addresses"));
        assertFalse(r.err().contains("even number"), "a joiner's list is not the founding membership: " + r.err());
        Path file = tmp.resolve("n4.properties");
        Files.writeString(file, r.out());
        CliRunner.Result again = server("--config", file.toString(), "--print-config");
        assertEquals(r.out(), again.out());
        assertUsageError(server("--id", "4", "--initial-cluster", withFour, "--client-addr", "127.0.0.1:8004",
                "--data-dir", "d4", "--join", "xyz"), "--join 'xyz' is not a cluster id");
        assertUsageError(server("--id", "4", "--initial-cluster", withFour, "--client-addr", "127.0.0.1:8004",
                "--data-dir", "d4", "--join", "0"), "--join '0'");
        assertUsageError(server("--id", "4", "--initial-cluster", withFour, "--client-addr", "127.0.0.1:8004",
                "--data-dir", "d4", "--peer-addresses", "4=127.0.0.1:1"), "--peer-addresses names node 4", "this node");
    }

    @Test
    void flagsOverrideTheConfigFileAndPrintConfigOutputIsAValidConfigFile() throws IOException {
        Path file = tmp.resolve("node.properties");
        Files.writeString(file, "# node 1\nid=1\ninitial-cluster=" + CLUSTER + "\nclient-addr=127.0.0.1:8001\n"
                + "data-dir=/var/lib/raftkv\ntick=200ms\nelection-ticks=20\nunsafe-local-reads=true\n"
                + "advertise-client-addr=node1.example:8001\n");
        CliRunner.Result r = server("--config", file.toString(), "--tick", "20ms", "--print-config");
        assertEquals(0, r.code(), r.err());
        Properties p = props(r.out());
        assertEquals("20ms", p.getProperty("tick"), "the flag wins");
        assertEquals("20", p.getProperty("election-ticks"), "the file fills what flags leave out");
        assertEquals("/var/lib/raftkv", p.getProperty("data-dir"));
        assertEquals("true", p.getProperty("unsafe-local-reads"));
        assertEquals("node1.example:8001", p.getProperty("advertise-client-addr"));
        assertTrue(r.err().contains("WARN UNSAFE"), r.err());

        Path again = tmp.resolve("printed.properties");
        Files.writeString(again, r.out());
        CliRunner.Result r2 = server("--config=" + again, "--print-config");
        assertEquals(0, r2.code(), r2.err());
        assertEquals(p, props(r2.out()), "print-config round-trips through --config");
    }

    @Test
    void badValueInTheConfigFileNamesTheFlagAndTheFile() throws IOException {
        Path file = tmp.resolve("bad.properties");
        Files.writeString(file, "id=1\ninitial-cluster=" + CLUSTER + "\nclient-addr=127.0.0.1:8001\ndata-dir=d\ntick=fast\n");
        assertUsageError(server("--config", file.toString()), "--tick", "'fast' is not a duration", "from --config " + file);
        // The same value overridden by a flag is never looked at.
        assertEquals(0, server("--config", file.toString(), "--tick", "1s", "--print-config").code());
    }

    @Test
    void unknownConfigKeyAndMissingFileAreUsageErrors() throws IOException {
        Path file = tmp.resolve("typo.properties");
        Files.writeString(file, "id=1\nelection-tick=5\n");
        assertUsageError(server("--config", file.toString()), "unknown key 'election-tick'", "election-ticks");
        assertUsageError(server("--config", tmp.resolve("nope.properties").toString()), "--config", "cannot read");
    }

    @Test
    void missingRequiredFlagsAreNamed() {
        assertUsageError(server("--initial-cluster", CLUSTER, "--client-addr", "127.0.0.1:8001", "--data-dir", "d"),
                "missing --id", "'id' in the --config file");
        assertUsageError(server("--id", "1", "--initial-cluster", CLUSTER, "--client-addr", "127.0.0.1:8001"),
                "missing --data-dir");
    }

    @Test
    void inconsistentConfigurationIsAUsageErrorFromServerConfig() {
        assertUsageError(server("--id", "4", "--initial-cluster", CLUSTER, "--client-addr", "127.0.0.1:8001",
                "--data-dir", "d"), "node id 4 is not in --initial-cluster");
        assertUsageError(server("--id", "1", "--initial-cluster", CLUSTER, "--client-addr", "nohost",
                "--data-dir", "d"), "--client-addr 'nohost' is not host:port");
        assertUsageError(server("--id", "1", "--initial-cluster", CLUSTER, "--client-addr", "127.0.0.1:8001",
                "--data-dir", "d", "--election-ticks", "1", "--heartbeat-ticks", "1"), "--election-ticks (1) must exceed");
        assertUsageError(server("--id", "1", "--initial-cluster", CLUSTER, "--client-addr", "127.0.0.1:8001",
                "--data-dir", "d", "--tick", "0ms"), "--tick must be positive");
        assertUsageError(server("--id", "1", "--initial-cluster", CLUSTER, "--client-addr", "127.0.0.1:8001",
                "--data-dir", "d", "--max-key-bytes", "0"), "--max-key-bytes must be positive");
    }

    @Test
    void malformedInitialClusterIsNamed() {
        assertUsageError(server("--id", "1", "--initial-cluster", "1=127.0.0.1:7001,x=127.0.0.1:7002",
                "--client-addr", "127.0.0.1:8001", "--data-dir", "d"), "--initial-cluster entry 'x=127.0.0.1:7002'");
        assertUsageError(server("--id", "1", "--initial-cluster", "1=127.0.0.1:7001,1=127.0.0.1:7002",
                "--client-addr", "127.0.0.1:8001", "--data-dir", "d"), "names node 1 twice");
        assertUsageError(server("--id", "1", "--initial-cluster", "1=127.0.0.1:port",
                "--client-addr", "127.0.0.1:8001", "--data-dir", "d"), "non-numeric port");
    }

    /** Issue 14: two members on one address, and etcd-style http:// peer URLs, were accepted. */
    @Test
    void initialClusterRefusesTwoMembersOnOneAddressAndUrls() {
        assertUsageError(server("--id", "1", "--initial-cluster", "1=127.0.0.1:7001,2=127.0.0.1:7001",
                "--client-addr", "127.0.0.1:8001", "--data-dir", "d"), "node 2", "127.0.0.1:7001", "another member");
        assertUsageError(server("--id", "1", "--initial-cluster", "1=http://127.0.0.1:7001",
                "--client-addr", "127.0.0.1:8001", "--data-dir", "d"), "without a scheme");
        // Overrides for members added later may share an address (a proxy in front of a slot's replacements).
        CliRunner.Result shared = server("--id", "1", "--initial-cluster", "1=127.0.0.1:7001,2=127.0.0.1:7002",
                "--peer-addresses", "3=127.0.0.1:7003,4=127.0.0.1:7003", "--client-addr", "127.0.0.1:8001", "--data-dir", "d",
                "--print-config");
        assertEquals(0, shared.code(), shared.toString());
    }

    /** Issue 14: flags that must be given somewhere showed as optional. */
    @Test
    void helpListsEveryFlagAndSaysWhichAreRequired() {
        CliRunner.Result help = server("--help");
        assertEquals(0, help.code(), help.toString());
        for (String flag : List.of("--id", "--initial-cluster", "--join", "--client-addr", "--data-dir", "--tick",
                "--max-value-bytes", "--snapshot-every", "--corruption-check-interval", "--config", "--print-config")) {
            assertTrue(help.out().contains(flag), flag + " in " + help.out());
        }
        assertEquals(4, help.out().replaceAll("\\s+", " ").split("required unless in --config", -1).length - 1, help.out());
    }

    @Test
    void unknownFlagAndBadDurationAndBadNumberAreOneLineUsageErrors() {
        assertUsageError(server("--bogus"), "Unknown option: '--bogus'", "raftkv server --help");
        assertUsageError(server("--id", "1", "--tick", "100"), "--tick", "'100' is not a duration");
        assertUsageError(server("--id", "one"), "--id", "'one'");
        assertUsageError(server("--max-value-bytes", "lots"), "--max-value-bytes", "is not a size");
    }

    @Test
    void evenClusterWarnsButStarts() {
        CliRunner.Result r = server("--id", "1", "--initial-cluster", "1=127.0.0.1:7001,2=127.0.0.1:7002",
                "--client-addr", "127.0.0.1:8001", "--data-dir", "d", "--print-config");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().startsWith("WARN the cluster has an even number of members (2)"), r.err());
    }

    @Test
    void hiddenTestFlagIsAcceptedButNotAdvertised() {
        CliRunner.Result help = server("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--initial-cluster"), help.out());
        assertFalse(help.out().contains("unsafe"), help.out());
        CliRunner.Result r = server("--id", "1", "--initial-cluster", CLUSTER, "--client-addr", "127.0.0.1:8001",
                "--data-dir", "d", "--unsafe-local-reads", "--print-config");
        assertTrue(r.out().contains("unsafe-local-reads=true"), r.out());
    }

    @Test
    void tlsFlagsBecomeConfigKeysAndRoundTrip() throws IOException {
        CliRunner.Result r = server("--id", "1", "--initial-cluster", CLUSTER, "--client-addr", "127.0.0.1:8001",
                "--data-dir", "d", "--cert-file", "tls/server.pem", "--key-file", "tls/server-key.pem",
                "--trusted-ca-file", "tls/ca.pem", "--client-cert-auth", "--peer-cert-file", "tls/member-1.pem",
                "--peer-key-file", "tls/member-1-key.pem", "--peer-trusted-ca-file", "tls/peer-ca.pem", "--print-config");
        assertEquals(0, r.code(), r.err());
        Properties p = props(r.out());
        assertEquals(tmp.resolve("tls/server.pem").toString(), p.getProperty("cert-file"), "relative to the working directory");
        assertEquals(tmp.resolve("tls/server-key.pem").toString(), p.getProperty("key-file"));
        assertEquals(tmp.resolve("tls/ca.pem").toString(), p.getProperty("trusted-ca-file"));
        assertEquals("true", p.getProperty("client-cert-auth"));
        assertEquals(tmp.resolve("tls/member-1.pem").toString(), p.getProperty("peer-cert-file"));
        assertEquals(tmp.resolve("tls/member-1-key.pem").toString(), p.getProperty("peer-key-file"));
        assertEquals(tmp.resolve("tls/peer-ca.pem").toString(), p.getProperty("peer-trusted-ca-file"));
        Path file = tmp.resolve("n1.properties");
        Files.writeString(file, r.out());
        CliRunner.Result again = server("--config", file.toString(), "--print-config");
        assertEquals(0, again.code(), again.err());
        assertEquals(p, props(again.out()));

        CliRunner.Result plain = server("--id", "1", "--initial-cluster", CLUSTER, "--client-addr", "127.0.0.1:8001",
                "--data-dir", "d", "--print-config");
        assertFalse(plain.out().contains("cert-file") || plain.out().contains("client-cert-auth"), plain.out());
    }

    @Test
    void tlsFlagsOutOfStepAreRefusedNamingThem() {
        String[] base = {"--id", "1", "--initial-cluster", CLUSTER, "--client-addr", "127.0.0.1:8001", "--data-dir", "d"};
        assertUsageError(server(concat(base, "--cert-file", "c.pem")), "--cert-file and --key-file go together");
        assertUsageError(server(concat(base, "--trusted-ca-file", "ca.pem")), "--trusted-ca-file needs --cert-file");
        assertUsageError(server(concat(base, "--cert-file", "c.pem", "--key-file", "k.pem", "--client-cert-auth")),
                "--client-cert-auth needs", "--trusted-ca-file");
        assertUsageError(server(concat(base, "--peer-cert-file", "p.pem", "--peer-key-file", "pk.pem")),
                "peer TLS is always mutual", "--peer-trusted-ca-file");
    }

    @Test
    void plaintextOnAddressesOthersCanReachIsWarnedAbout() {
        String wide = "1=10.0.0.1:7001,2=10.0.0.2:7001,3=10.0.0.3:7001";
        CliRunner.Result r = server("--id", "1", "--initial-cluster", wide, "--client-addr", "0.0.0.0:8001",
                "--data-dir", "d", "--print-config");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("WARN the client API listens on 0.0.0.0:8001 in plaintext"), r.err());
        assertTrue(r.err().contains("WARN the peer port listens on 10.0.0.1:7001 in plaintext"), r.err());

        CliRunner.Result secured = server("--id", "1", "--initial-cluster", wide, "--client-addr", "0.0.0.0:8001",
                "--data-dir", "d", "--cert-file", "c.pem", "--key-file", "k.pem", "--peer-cert-file", "p.pem",
                "--peer-key-file", "pk.pem", "--peer-trusted-ca-file", "ca.pem", "--print-config");
        assertEquals(0, secured.code(), secured.err());
        assertFalse(secured.err().contains("plaintext"), secured.err());

        CliRunner.Result local = server("--id", "1", "--initial-cluster", CLUSTER, "--client-addr", "localhost:8001",
                "--data-dir", "d", "--print-config");
        assertFalse(local.err().contains("plaintext"), "loopback is for local use: " + local.err());
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(Arrays.asList(a));
        all.addAll(Arrays.asList(b));
        return all.toArray(new String[0]);
    }

    @Test
    void noCommandPrintsUsageAndExits2() {
        CliRunner.Result r = CliRunner.run(tmp);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Usage: raftkv"), r.err());
        assertUsageError(CliRunner.run(tmp, "frobnicate"), "Unmatched argument");
    }
}
