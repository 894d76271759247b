package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftkv.proto.AlarmInfo;
import io.raftkv.proto.CheckStateResponse;
import io.raftkv.proto.MemberHash;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code alarm list|disarm} and {@code check state} against fake nodes: output, formats, exit codes, redirects. */
class AlarmCommandsTest {
    private final FakeCluster cluster = new FakeCluster(3, 2);

    @TempDir
    Path cwd;

    @AfterEach
    void close() throws InterruptedException {
        cluster.close();
    }

    /** Through node 1 first (a follower), so the commands that need the leader also follow a redirect. */
    private FakeCluster.Result cli(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("--endpoints=" + cluster.node(1).address + "," + cluster.node(3).address);
        return FakeCluster.run(Map.of(), cwd, all.toArray(new String[0]));
    }

    private static ByteString hash(int b) {
        byte[] h = new byte[32];
        Arrays.fill(h, (byte) b);
        return ByteString.copyFrom(h);
    }

    @Test
    void alarmListPrintsNothingWhenThereIsNoneAndOneLineEachOtherwise() {
        FakeCluster.Result none = cli("alarm", "list");
        assertEquals(0, none.code(), none.toString());
        assertEquals("", none.out());
        assertEquals("MEMBER  TYPE  DETAIL\n", cli("alarm", "list", "-w", "table").out());

        cluster.shared.alarms.add(AlarmInfo.newBuilder().setMember(3).setType("corrupt").setDetail("hash differs\tfrom the majority's").build());
        cluster.shared.alarms.add(AlarmInfo.newBuilder().setMember(0).setType("nospace").setDetail("quota").build());
        assertEquals("member 3 corrupt: hash differs\\tfrom the majority's\ncluster nospace: quota\n", cli("alarm", "list").out());
        assertEquals("{\"alarms\":[{\"member\":3,\"type\":\"corrupt\",\"detail\":\"hash differs\\tfrom the majority's\"},"
                + "{\"member\":0,\"type\":\"nospace\",\"detail\":\"quota\"}]}\n", cli("alarm", "list", "-w", "json").out());
    }

    @Test
    void disarmClearsAnAlarmSaysNoWhenThereIsNoneAndLetsTheServerJudgeTheType() {
        cluster.shared.alarms.add(AlarmInfo.newBuilder().setMember(3).setType("corrupt").setDetail("x").build());
        FakeCluster.Result ok = cli("alarm", "disarm", "3", "corrupt");
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(ok.out().matches("OK disarmed corrupt of member 3 at index \\d+\n"), ok.out());
        assertEquals(List.of(), cluster.shared.alarms);

        FakeCluster.Result again = cli("alarm", "disarm", "3", "corrupt");
        assertEquals(3, again.code(), again.toString());
        assertEquals("no corrupt alarm on member 3 (alarms: none)\n", again.err());

        FakeCluster.Result bad = cli("alarm", "disarm", "3", "bogus");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("unknown alarm type 'bogus'"), bad.err());
        assertEquals(2, cli("alarm", "disarm", "-1", "corrupt").code());
    }

    @Test
    void checkStatePrintsEveryMembersHashAndExits1ForACorruptOne() {
        cluster.shared.check = CheckStateResponse.newBuilder().setIndex(57)
                .addHashes(MemberHash.newBuilder().setId(1).setHash(hash(0xab)))
                .addHashes(MemberHash.newBuilder().setId(2).setHash(hash(0xab)))
                .addHashes(MemberHash.newBuilder().setId(3).setHash(hash(0xab))).build();
        FakeCluster.Result healthy = cli("check", "state");
        assertEquals(0, healthy.code(), healthy.toString());
        assertEquals("MEMBER  HASH              VERDICT\n"
                + "1       abababababababab  ok\n"
                + "2       abababababababab  ok\n"
                + "3       abababababababab  ok\n"
                + "OK 3 of 3 members agree at index 57\n", healthy.out());

        cluster.shared.check = CheckStateResponse.newBuilder().setIndex(60)
                .addHashes(MemberHash.newBuilder().setId(1).setHash(hash(0xab)))
                .addHashes(MemberHash.newBuilder().setId(2).setError("no hash within PT10S"))
                .addHashes(MemberHash.newBuilder().setId(3).setHash(hash(0xcd))).addCorrupt(3).build();
        FakeCluster.Result corrupt = cli("check", "state");
        assertEquals(1, corrupt.code(), corrupt.toString());
        assertEquals("MEMBER  HASH              VERDICT\n"
                + "1       abababababababab  ok\n"
                + "2       -                 unknown: no hash within PT10S\n"
                + "3       cdcdcdcdcdcdcdcd  corrupt\n"
                + "CORRUPT member 3: state differs from the majority's at index 60 (CORRUPT alarm raised: it serves nothing;"
                + " replace it)\n", corrupt.out());
        FakeCluster.Result json = cli("check", "state", "-w", "json");
        assertEquals(1, json.code());
        assertTrue(json.out().startsWith("{\"index\":60,\"members\":[{\"id\":1,\"hash\":\"" + "ab".repeat(32) + "\",\"error\":\"\","
                + "\"corrupt\":false}"), json.out());
        assertTrue(json.out().endsWith("\"corrupt\":[3]}\n"), json.out());
    }

    @Test
    void aCheckWithAMissingHashDoesNotClaimAgreement() {
        cluster.shared.check = CheckStateResponse.newBuilder().setIndex(9)
                .addHashes(MemberHash.newBuilder().setId(1).setHash(hash(1)))
                .addHashes(MemberHash.newBuilder().setId(2).setError("unreachable")).build();
        FakeCluster.Result r = cli("check", "state");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().endsWith("no member found corrupt at index 9, but only 1 of 2 members gave a hash\n"), r.out());
    }

    /**
     * A follower knows another follower's client address only once that one talked to it, so '--cluster' takes
     * the member list from the leader; where no view has an address the member is named, never left out.
     */
    @Test
    void clusterWideChecksTakeTheLeadersMemberListAndNameMembersWithoutAnAddress() {
        cluster.shared.followersKnowOnlyTheLeader = true;
        FakeCluster.Result health = FakeCluster.run(Map.of(), cwd, "endpoint", "health", "--cluster",
                "--endpoints=" + cluster.node(1).address);
        assertEquals(0, health.code(), health.toString());
        assertEquals(3, health.out().lines().filter(l -> l.contains(" is healthy: leader 2")).count(), health.out());

        cluster.shared.leaderId = 0;
        FakeCluster.Result noLeader = FakeCluster.run(Map.of(), cwd, "endpoint", "health", "--cluster",
                "--endpoints=" + cluster.node(1).address);
        assertEquals(1, noLeader.code(), noLeader.toString());
        assertTrue(noLeader.out().contains("node 2 is unhealthy: client address unknown to node 1"), noLeader.out());

        // A member that knows no one's address (just restarted, no leader yet): the other endpoints given answer for their ids.
        FakeCluster.Result given = FakeCluster.run(Map.of(), cwd, "endpoint", "health", "--cluster", "--endpoints=" + cluster.endpoints());
        assertEquals(1, given.code(), given.toString());
        List<String> lines = given.out().lines().toList();
        assertEquals(3, lines.size(), given.out());
        for (int i = 0; i < 3; i++) {
            assertEquals(cluster.node(i + 1).address + " is unhealthy: no leader (term 1)", lines.get(i), given.out());
        }
    }

    /**
     * A dead member listed first is asked once: asking it again for the member list's sake met the client's
     * open circuit breaker, which hid the real reason (connection refused) the runbook tells operators to look for.
     */
    @Test
    void aDeadFirstEndpointKeepsItsOwnReasonInClusterWideChecks() throws InterruptedException {
        cluster.stop(1);
        FakeCluster.Result health = FakeCluster.run(Map.of(), cwd, "endpoint", "health", "--cluster", "--endpoints=" + cluster.endpoints());
        assertEquals(1, health.code(), health.toString());
        List<String> lines = health.out().lines().toList();
        assertEquals(3, lines.size(), health.out());
        assertTrue(lines.get(0).startsWith(cluster.node(1).address + " is unhealthy: unreachable ("), health.out());
        assertEquals(2, lines.stream().filter(l -> l.contains(" is healthy: leader 2")).count(), health.out());
    }
}
