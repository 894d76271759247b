package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.raftkv.proto.AlarmInfo;
import io.raftkv.proto.CheckStateResponse;
import io.raftkv.proto.DisarmAlarmRequest;
import io.raftkv.proto.DisarmAlarmResponse;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.MemberHash;
import io.raftkv.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The corruption check and the alarms as operators' tools see them: typed results, redirects, refusals. */
class StateCheckApiTest {
    private static final AtomicInteger NAMES = new AtomicInteger();

    @TempDir
    Path dir;

    private static RaftKvClient client(FakeNode... nodes) {
        return RaftKvClient.builder().endpoints(java.util.Arrays.stream(nodes).map(n -> n.address).toList())
                .requestTimeout(Duration.ofSeconds(3))
                .channelFactory(a -> InProcessChannelBuilder.forName(a).directExecutor().build()).build();
    }

    private static ByteString hash(int b) {
        byte[] h = new byte[32];
        java.util.Arrays.fill(h, (byte) b);
        return ByteString.copyFrom(h);
    }

    @Test
    void aCheckFollowsTheRedirectToTheLeaderAndSaysWhoIsCorrupt() {
        String leaderName = "leader" + NAMES.incrementAndGet() + ":1";
        CheckStateResponse verdict = CheckStateResponse.newBuilder().setIndex(42)
                .addHashes(MemberHash.newBuilder().setId(3).setHash(hash(2)))
                .addHashes(MemberHash.newBuilder().setId(1).setHash(hash(1)))
                .addHashes(MemberHash.newBuilder().setId(2).setError("no hash within PT3S"))
                .addCorrupt(3).build();
        try (FakeNode leader = new FakeNode(leaderName, (m, r) -> verdict);
             FakeNode follower = new FakeNode("follower" + NAMES.incrementAndGet() + ":1", (m, r) -> {
                 throw FakeNode.notLeader(leaderName);
             });
             RaftKvClient c = client(follower)) {
            StateCheck s = c.checkState();
            assertEquals(42, s.index());
            assertEquals(List.of(1L, 2L, 3L), s.members().stream().map(StateCheck.MemberHash::id).toList(), "by id");
            assertEquals(List.of(3L), s.corrupt());
            assertTrue(s.foundCorrupt());
            StateCheck.MemberHash two = s.members().get(1);
            assertFalse(two.known());
            assertEquals("", two.hashHex());
            assertEquals("no hash within PT3S", two.error());
            assertEquals("01".repeat(32), s.members().get(0).hashHex());
            assertEquals(1, leader.count("checkState"));
        }
    }

    @Test
    void alarmsComeFromStatusAndADisarmNamesMemberAndType() {
        StatusResponse status = StatusResponse.newBuilder().setId(1).setLeaderId(1)
                .addAlarms(AlarmInfo.newBuilder().setMember(2).setType("nospace").setDetail("state is 9 bytes")).build();
        try (FakeNode n = new FakeNode("node" + NAMES.incrementAndGet() + ":1", (m, r) -> m.equals("status") ? status
                : m.equals("disarmAlarm") && ((DisarmAlarmRequest) r).getType().equals("nospace")
                ? DisarmAlarmResponse.newBuilder().setIndex(77).build()
                : failInvalid());
             RaftKvClient c = client(n)) {
            assertEquals(List.of(new ClusterStatus.Alarm(2, "nospace", "state is 9 bytes")), c.alarms());
            assertEquals(77, c.disarmAlarm(2, "nospace"));
            DisarmAlarmRequest sent = (DisarmAlarmRequest) n.of("disarmAlarm").get(0).request();
            assertEquals(2, sent.getMember());
            InvalidArgumentException bad = assertThrows(InvalidArgumentException.class, () -> c.disarmAlarm(2, "bogus"));
            assertTrue(bad.getMessage().contains("unknown alarm type"), bad.getMessage());
            assertEquals(2, n.count("disarmAlarm"), "a refusal is not retried");
        }
    }

    private static com.google.protobuf.Message failInvalid() {
        io.grpc.Metadata trailers = new io.grpc.Metadata();
        trailers.put(CallFailure.DETAIL_KEY, ErrorDetail.newBuilder().setCode(ErrorDetail.Code.INVALID).build());
        throw Status.INVALID_ARGUMENT.withDescription("unknown alarm type 'bogus' (expected one of: corrupt, nospace)")
                .asRuntimeException(trailers);
    }

    /** Against real nodes: a healthy cluster's voters agree, there are no alarms, and the server checks the type. */
    @Test
    void aHealthyClusterAgreesAndHasNoAlarms() {
        try (RealCluster rc = new RealCluster(dir, 3);
             RaftKvClient c = RaftKvClient.builder().endpoints(rc.endpoints()).attemptTimeout(Duration.ofSeconds(5)).build()) {
            rc.awaitLeader();
            c.put("k", "v");
            StateCheck s = c.checkState();
            assertEquals(3, s.members().size(), s.toString());
            assertTrue(s.members().stream().allMatch(m -> m.known() && m.hash().equals(s.members().get(0).hash())), s.toString());
            assertFalse(s.foundCorrupt());
            assertTrue(s.index() > 0);
            assertEquals(List.of(), c.alarms());
            InvalidArgumentException bad = assertThrows(InvalidArgumentException.class, () -> c.disarmAlarm(1, "bogus"));
            assertTrue(bad.getMessage().contains("unknown alarm type 'bogus'"), bad.getMessage());
            assertTrue(c.disarmAlarm(2, "nospace") > s.index(), "clearing an alarm that is not raised is harmless");
            assertEquals(List.of(), c.alarms());
        }
    }
}
