package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.raftkv.proto.ErrorDetail;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client commands' exact output and exit codes, against fake nodes on loopback ports (leader: node 2). */
class KvCommandsTest {
    private final FakeCluster cluster = new FakeCluster(3, 2);

    @TempDir
    Path cwd;

    @AfterEach
    void close() throws InterruptedException {
        cluster.close();
    }

    /** Every command through node 1 first (a follower), so each one also exercises the redirect. */
    private FakeCluster.Result cli(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("--endpoints=" + cluster.node(1).address + "," + cluster.node(3).address);
        return FakeCluster.run(Map.of(), cwd, all.toArray(new String[0]));
    }

    @Test
    void memberAddPrintsHowToStartTheNodeAndChangesGoToTheLeader() {
        FakeCluster.Result add = cli("member", "add", "4", "10.0.0.4:7000", "--learner", "--client-addr", "10.0.0.4:8000");
        assertEquals(0, add.code(), add.err());
        assertEquals("OK node 4 added as learner at index 1\n"
                + "start it with: raftkv server --id 4 --join abc --initial-cluster 1=peer-1,2=peer-2,3=peer-3,4=10.0.0.4:7000"
                + " --client-addr 10.0.0.4:8000 --data-dir DIR\n"
                + "then, once it caught up: raftkv member promote 4\n", add.out());
        assertEquals("OK node 4 is a voter at index 2\n", cli("member", "promote", "4").out());
        assertEquals("OK node 3 removed at index 3\n", cli("member", "remove", "3").out());
        FakeCluster.Result bad = cli("member", "remove", "0");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("ID must be a positive node id"), bad.err());
        FakeCluster.Result none = FakeCluster.run(Map.of(), cwd, "member");
        assertEquals(2, none.code());
        assertTrue(none.err().contains("add"), none.err());
    }

    @Test
    void putGetDel() {
        FakeCluster.Result put = cli("put", "greeting", "hello world");
        assertEquals(0, put.code(), put.err());
        assertEquals("OK index=1\n", put.out());

        FakeCluster.Result get = cli("get", "greeting");
        assertEquals(0, get.code(), get.err());
        assertEquals("hello world\n", get.out());

        assertEquals("OK index=2 deleted=true\n", cli("del", "greeting").out());
        assertEquals("OK index=3 deleted=false\n", cli("del", "greeting").out());

        // Issue 14: "(not found)" went to stdout with the exit code of a failure.
        FakeCluster.Result missing = cli("get", "greeting", "--serializable");
        assertEquals(3, missing.code());
        assertEquals("", missing.out());
        assertEquals("not found: greeting\n", missing.err());
    }

    @Test
    void compareAndSetOnAbsenceAndOnValue() {
        FakeCluster.Result create = cli("cas", "lock", "-", "me");
        assertEquals(0, create.code(), create.err());
        assertEquals("OK index=1 version=1\n", create.out());

        FakeCluster.Result taken = cli("cas", "lock", "-", "you");
        assertEquals(3, taken.code());
        assertEquals("FAILED version=1 value=me\n", taken.out());

        assertEquals("OK index=3 version=2\n", cli("cas", "lock", "me", "you").out());

        FakeCluster.Result absent = cli("cas", "nokey", "x", "y");
        assertEquals(3, absent.code());
        assertEquals("FAILED (absent)\n", absent.out());
    }

    @Test
    void scanFollowsPageTokensAndHonoursLimit() {
        for (String k : new String[] {"a/1", "a/2", "a/3", "a/4", "a/5", "b/1"}) {
            assertEquals(0, cli("put", k, "v" + k).code());
        }
        FakeCluster.Result all = cli("scan", "a/");
        assertEquals(0, all.code(), all.err());
        assertEquals("a/1\tva/1\na/2\tva/2\na/3\tva/3\na/4\tva/4\na/5\tva/5\n", all.out(), "pages of 2, followed");
        assertEquals("a/1\tva/1\na/2\tva/2\na/3\tva/3\n", cli("scan", "a/", "--limit", "3").out());
        assertEquals("", cli("scan", "zzz").out());
        assertEquals(2, cli("scan", "a/", "--limit", "0").code());
    }

    @Test
    void statusHasOneLinePerEndpointAndExit1WhenOneIsDown() {
        FakeCluster.Result r = FakeCluster.run(Map.of(), cwd, "status",
                "--endpoints", cluster.node(1).address + "," + cluster.node(2).address + ",127.0.0.1:1", "--timeout", "2s");
        assertEquals(1, r.code());
        String[] lines = r.out().split("\n");
        assertEquals(4, lines.length, r.out());
        assertTrue(lines[0].matches("ENDPOINT\\s+ID\\s+ROLE\\s+TERM\\s+LEADER\\s+COMMIT\\s+APPLIED"), lines[0]);
        assertTrue(lines[1].matches(cluster.node(1).address.replace(".", "\\.") + "\\s+1\\s+follower\\s+1\\s+2\\s+0\\s+0"), lines[1]);
        assertTrue(lines[2].matches(".*\\s+2\\s+leader\\s+1\\s+2\\s+0\\s+0"), lines[2]);
        assertTrue(lines[3].matches("127\\.0\\.0\\.1:1\\s+-\\s+unreachable\\s+-\\s+-\\s+-\\s+-"), lines[3]);
        assertTrue(r.err().contains("127.0.0.1:1: unreachable ("), r.err());
    }

    @Test
    void membersAndTransfer() {
        FakeCluster.Result m = cli("members");
        assertEquals(0, m.code(), m.err());
        String[] lines = m.out().split("\n");
        assertEquals("ID  PEER    CLIENT" + " ".repeat(cluster.node(1).address.length() - 4) + "ROLE", lines[0]);
        assertTrue(lines[1].startsWith("1   peer-1  " + cluster.node(1).address) && lines[1].endsWith("voter"), lines[1]);
        assertTrue(lines[2].endsWith("leader"), lines[2]);

        FakeCluster.Result t = cli("transfer", "3");
        assertEquals(0, t.code(), t.err());
        assertEquals("OK leadership moves to node 3\n", t.out());
        assertEquals(3, cluster.shared.leaderId);
    }

    /** Issue 14: input the server rejected exited 1 although help says 2 is bad input. */
    @Test
    void rejectedInputIsExit2AndFailuresAreOneErrorLineWithExit1() {
        cluster.node(2).script.add(() -> FakeNode.error(Status.INVALID_ARGUMENT.withDescription("value of 2000000 bytes exceeds max-value-bytes 1048576"),
                ErrorDetail.newBuilder().setCode(ErrorDetail.Code.INVALID).setLimitName("max-value-bytes").build()));
        FakeCluster.Result r = cli("put", "k", "big");
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("error: put rejected: INVALID_ARGUMENT: value of 2000000 bytes exceeds max-value-bytes 1048576"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    /** Issue 14: an unreachable endpoint took 10-13 s and ended with a misleading message. */
    @Test
    void unreachableEndpointsAreNamedWithinTheDefaultDeadline() {
        String a = "127.0.0.1:" + FakeCluster.freePort();
        String b = "127.0.0.1:" + FakeCluster.freePort();
        long t0 = System.nanoTime();
        FakeCluster.Result down = FakeCluster.run(Map.of(), cwd, "get", "k", "--endpoints", a + "," + b);
        long took = System.nanoTime() - t0;
        assertEquals(1, down.code());
        assertTrue(down.err().startsWith("error: cannot reach the cluster (" + a + ": unreachable (") && down.err().contains(b + ": unreachable ("),
                down.err());
        assertTrue(took < java.time.Duration.ofSeconds(7).toNanos(), "the default deadline is 5 s; took " + took / 1_000_000 + " ms");
    }

    /** Issue 14: '--endpoints http://host:port' failed with a raw IllegalArgumentException. */
    @Test
    void endpointsTakeHttpUrlsAndHttpsSpeaksTls() {
        assertEquals(0, FakeCluster.run(Map.of(), cwd, "put", "k", "v", "--endpoints", "http://" + cluster.node(2).address).code());
        // https:// speaks TLS (issue 13): a plaintext node cannot answer it, and the error says it was TLS.
        FakeCluster.Result tls = FakeCluster.run(Map.of(), cwd, "get", "k", "--endpoints", "https://" + cluster.node(2).address,
                "--timeout", "2s");
        assertEquals(1, tls.code(), tls.toString());
        assertTrue(tls.err().contains(cluster.node(2).address + ": TLS handshake failed ("), tls.err());
        assertTrue(!tls.err().contains("Exception"), tls.err());
    }

    /** Issue 14: a value starting with '@' was replaced by a file's contents (picocli's @-files). */
    @Test
    void aValueStartingWithAtIsAValue() {
        assertEquals(0, cli("put", "k", "@/etc/hostname").code());
        assertEquals("@/etc/hostname\n", cli("get", "k").out());
    }

    /** Issue 14: no value from stdin. */
    @Test
    void valuesComeFromStdinByteForByte() {
        byte[] value = {'a', 0, (byte) 0xff, '\n', 'b'};
        String ep = "--endpoints=" + cluster.node(2).address;
        assertEquals(0, FakeCluster.run(Map.of(), cwd, value, () -> null, "put", "k", "-", ep).code());
        byte[] out = FakeCluster.run(Map.of(), cwd, "get", "k", ep).outBytes();
        assertEquals(java.util.Arrays.toString(value) + "+newline", java.util.Arrays.toString(java.util.Arrays.copyOf(out, out.length - 1))
                + (out[out.length - 1] == '\n' ? "+newline" : ""));
        assertEquals(0, FakeCluster.run(Map.of(), cwd, "no value argument".getBytes(), () -> null, "put", "k2", ep).code());
        assertEquals("no value argument\n", cli("get", "k2").out());
    }

    /** Issue 14: binary keys were stored lossily (\xff\xfe became U+FFFD, so two keys collided). */
    @Test
    void binaryKeysAndValuesWithHex() {
        assertEquals(0, cli("put", "--hex", "fffe", "01").code());
        assertEquals(0, cli("put", "--hex", "fffd", "02").code());
        assertEquals("01\n", cli("get", "--hex", "fffe").out());
        assertEquals("02\n", cli("get", "--hex", "fffd").out());
        assertEquals("fffd\t02\nfffe\t01\n", cli("scan", "--hex").out());
        assertEquals("\\xff\\xfd\t\\x02\n\\xff\\xfe\t\\x01\n", cli("scan").out(), "escaped, still distinct");
        assertEquals(2, cli("get", "--hex", "zz").code());
    }

    /** Issue 14: scan printed raw tabs and newlines; JSON output is exact. */
    @Test
    void scanEscapesSeparatorsAndJsonIsExact() {
        assertEquals(0, cli("put", "tab\tkey", "line1\nline2\\").code());
        assertEquals("tab\\tkey\tline1\\nline2\\\\\n", cli("scan").out());
        String json = cli("get", "tab\tkey", "-w", "json").out();
        assertTrue(json.startsWith("{\"key\":\"" + java.util.Base64.getEncoder().encodeToString("tab\tkey".getBytes())
                + "\",\"value\":\"" + java.util.Base64.getEncoder().encodeToString("line1\nline2\\".getBytes()) + "\",\"version\":1,"), json);
        assertEquals("{\"kvs\":[]}\n", cli("get", "zzz", "--prefix", "-w", "json").out());
        assertEquals("tab\\tkey\n", cli("get", "t", "--prefix", "--keys-only").out());
    }

    @Test
    void badClientInputIsExit2() {
        assertEquals(2, cli("get", "k", "--timeout", "soon").code());
        FakeCluster.Result r = FakeCluster.run(Map.of("RAFTKV_ENDPOINTS", "nope"), cwd, "get", "k");
        assertEquals(2, r.code());
        assertEquals("error: RAFTKV_ENDPOINTS: endpoint 'nope' is not host:port\n", r.err());
    }
}
