package io.raftkv.server.cli;

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

/** The client commands' exact output and exit codes, against in-process fake nodes (leader: node 2). */
class ClientCommandsTest {
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

        FakeCluster.Result missing = cli("get", "greeting", "--serializable");
        assertEquals(1, missing.code());
        assertEquals("(not found)\n", missing.out());
        assertEquals("", missing.err());
    }

    @Test
    void compareAndSetOnAbsenceAndOnValue() {
        FakeCluster.Result create = cli("cas", "lock", "-", "me");
        assertEquals(0, create.code(), create.err());
        assertEquals("OK index=1 version=1\n", create.out());

        FakeCluster.Result taken = cli("cas", "lock", "-", "you");
        assertEquals(1, taken.code());
        assertEquals("FAILED version=1 value=me\n", taken.out());

        assertEquals("OK index=3 version=2\n", cli("cas", "lock", "me", "you").out());

        FakeCluster.Result absent = cli("cas", "nokey", "x", "y");
        assertEquals(1, absent.code());
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
        assertTrue(r.err().contains("127.0.0.1:1: UNAVAILABLE"), r.err());
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
        assertEquals("OK leader=3\n", t.out());
        assertEquals(3, cluster.shared.leaderId);
    }

    @Test
    void failuresAreOneErrorLineWithExit1() {
        cluster.node(2).script.add(() -> FakeNode.error(Status.INVALID_ARGUMENT.withDescription("value of 2000000 bytes exceeds max-value-bytes 1048576"),
                ErrorDetail.newBuilder().setCode(ErrorDetail.Code.INVALID).setLimitName("max-value-bytes").build()));
        FakeCluster.Result r = cli("put", "k", "big");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals("error: INVALID_ARGUMENT/INVALID: value of 2000000 bytes exceeds max-value-bytes 1048576\n", r.err());

        FakeCluster.Result down = FakeCluster.run(Map.of(), cwd, "get", "k", "--endpoints", "127.0.0.1:1", "--timeout", "200ms");
        assertEquals(1, down.code());
        assertEquals("error: no answer within 200ms (last: 127.0.0.1:1: unreachable)\n", down.err());
    }

    @Test
    void badClientInputIsExit2() {
        assertEquals(2, cli("put", "k").code(), "missing VALUE");
        assertEquals(2, cli("get", "k", "--timeout", "soon").code());
        FakeCluster.Result r = FakeCluster.run(Map.of("RAFTKV_ENDPOINTS", "nope"), cwd, "get", "k");
        assertEquals(2, r.code());
        assertEquals("error: RAFTKV_ENDPOINTS entry 'nope' is not host:port\n", r.err());
    }
}
