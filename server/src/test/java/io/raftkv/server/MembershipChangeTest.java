package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.AddMemberRequest;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.Member;
import io.raftkv.proto.MemberChangeResponse;
import io.raftkv.proto.MembersRequest;
import io.raftkv.proto.MembersResponse;
import io.raftkv.proto.PromoteMemberRequest;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.RemoveMemberRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Membership changes on real nodes over gRPC: grow, promote, remove, and the refusals that keep it safe. */
class MembershipChangeTest {
    @TempDir
    Path dir;

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static void put(TestCluster c, long id, String k, String v) {
        c.kv(id).put(PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build());
    }

    private static MemberChangeResponse add(TestCluster c, long via, long id, boolean learner) {
        return c.cluster(via).addMember(AddMemberRequest.newBuilder().setId(id).setPeerAddress(c.peerAddrs.get(id))
                .setClientAddress(c.clientAddrs.get(id)).setLearner(learner).build());
    }

    private static MemberChangeResponse promote(TestCluster c, long via, long id) {
        return c.cluster(via).promoteMember(PromoteMemberRequest.newBuilder().setId(id).build());
    }

    private static MemberChangeResponse remove(TestCluster c, long via, long id) {
        return c.cluster(via).removeMember(RemoveMemberRequest.newBuilder().setId(id).build());
    }

    /** id to "voter"/"learner" plus peer address, as node {@code via} reports it. */
    private static Map<Long, String> members(TestCluster c, long via) {
        MembersResponse r = c.cluster(via).members(MembersRequest.getDefaultInstance());
        Map<Long, String> m = new TreeMap<>();
        for (Member x : r.getMembersList()) {
            m.put(x.getId(), (x.getLearner() ? "learner " : "voter ") + x.getPeerAddress());
        }
        return m;
    }

    private static void awaitApplied(TestCluster c, long id, long index) {
        TestCluster.await(Duration.ofSeconds(20), "node " + id + " applied through " + index,
                () -> c.status(id).getAppliedIndex() >= index);
    }

    private static StatusRuntimeException refused(Status.Code code, String fragment, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(fragment), e.getStatus().getDescription());
        return e;
    }

    @Test
    void aLearnerJoinsCatchesUpIsPromotedAndThenCountsInTheQuorum() {
        try (TestCluster c = new TestCluster(dir, 3, x -> x)) {
            long leader = c.awaitLeader();
            for (int i = 0; i < 200; i++) {
                put(c, leader, "k" + i, "v" + i);
            }
            c.reserve(4);
            MemberChangeResponse added = add(c, leader, 4, true);
            assertEquals(c.status(leader).getClusterId(), added.getClusterId());
            assertEquals("learner " + c.peerAddrs.get(4L), members(c, leader).get(4L));
            // Not caught up (not even started): promotion is refused, and says why.
            refused(Status.Code.UNAVAILABLE, "has not caught up", () -> promote(c, leader, 4));

            c.startJoining(4, added.getClusterId());
            long commit = c.status(leader).getCommitIndex();
            awaitApplied(c, 4, commit);
            assertEquals("v199", c.kv(4).get(GetRequest.newBuilder().setKey(b("k199"))
                    .setConsistency(Consistency.SERIALIZABLE).build()).getKv().getValue().toStringUtf8());
            promote(c, leader, 4);
            for (long id : c.servers.keySet()) {
                TestCluster.await(Duration.ofSeconds(10), "node " + id + " sees node 4 as a voter",
                        () -> members(c, id).get(4L).equals("voter " + c.peerAddrs.get(4L)));
            }
            // Four voters need three: with a founder down, no commit happens without node 4.
            long down = c.servers.keySet().stream().filter(id -> id != leader && id != 4).findFirst().orElseThrow();
            c.kill(down);
            long now = c.awaitLeader();
            put(c, now, "after", "x");
        }
    }

    /**
     * A change that returned lets the next one through at once: the apply stage answers a change while the
     * Ready holding its commit is still being written, and the leader's core counted it applied only after
     * that write, so the next change was refused as "another membership change is not applied yet".
     */
    @Test
    void aChangeThatReturnedNeverBlocksTheNext() {
        try (TestCluster c = new TestCluster(dir, 3, x -> x)) {
            long leader = c.awaitLeader();
            for (long id = 4; id < 14; id++) {
                c.reserve(id);
                add(c, leader, id, true);
                remove(c, leader, id);
            }
            assertEquals(3, members(c, leader).size());
        }
    }

    @Test
    void membersAddedAtRuntimeSurviveRestartsAndReachLaggardsThroughSnapshots() {
        UnaryOperator<ServerConfig> smallSnapshots = x -> new ServerConfig(x.nodeId(), x.clusterToken(), x.initialCluster(),
                x.clientListen(), x.peerListen(), x.dataDir(), x.tick(), x.electionTicks(), x.heartbeatTicks(), x.limits(),
                x.requestTimeout(), 20, 5, false, null, null);
        try (TestCluster c = new TestCluster(dir, 3, smallSnapshots)) {
            long leader = c.awaitLeader();
            long laggard = c.servers.keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
            c.kill(laggard);
            c.reserve(4);
            MemberChangeResponse added = add(c, leader, 4, true);
            c.startJoining(4, added.getClusterId());
            awaitApplied(c, 4, added.getIndex());
            promote(c, leader, 4);
            for (int i = 0; i < 100; i++) {
                put(c, c.awaitLeader(), "k" + i, "v" + i);
            }
            // The laggard's log ends before the add; the leader compacted past it: it learns node 4 from a snapshot.
            c.start(laggard);
            long l2 = c.awaitLeader();
            awaitApplied(c, laggard, c.status(l2).getCommitIndex());
            assertEquals("voter " + c.peerAddrs.get(4L), members(c, laggard).get(4L));

            // Founders are restarted with their founding --initial-cluster (no node 4): the stored record must do.
            for (long id : c.founders.keySet()) {
                c.stop(id);
                c.start(id);
            }
            long l3 = c.awaitLeader();
            long founderDown = c.founders.keySet().stream().filter(id -> id != l3).findFirst().orElseThrow();
            c.kill(founderDown);
            put(c, c.awaitLeader(), "after-restart", "x");
            for (long id : c.servers.keySet()) {
                assertEquals("voter " + c.peerAddrs.get(4L), members(c, id).get(4L), "node " + id);
            }
        }
    }

    @Test
    void removalsAndTheRefusalsThatKeepChangesSafe() {
        try (TestCluster c = new TestCluster(dir, 3, x -> x)) {
            long leader = c.awaitLeader();
            long[] followers = c.servers.keySet().stream().filter(id -> id != leader).mapToLong(Long::longValue).toArray();
            c.reserve(4);
            c.reserve(5);
            refused(Status.Code.INVALID_ARGUMENT, "already a member", () -> add(c, leader, followers[0], true));
            refused(Status.Code.INVALID_ARGUMENT, "already used by member", () -> c.cluster(leader).addMember(
                    AddMemberRequest.newBuilder().setId(4).setPeerAddress(c.peerAddrs.get(followers[0])).build()));
            refused(Status.Code.INVALID_ARGUMENT, "must be one the members can reach", () -> c.cluster(leader).addMember(
                    AddMemberRequest.newBuilder().setId(4).setPeerAddress("0.0.0.0:7000").build()));
            refused(Status.Code.INVALID_ARGUMENT, "not host:port", () -> c.cluster(leader).addMember(
                    AddMemberRequest.newBuilder().setId(4).setPeerAddress("nowhere").build()));
            refused(Status.Code.INVALID_ARGUMENT, "only learners are promoted", () -> promote(c, leader, followers[0]));
            refused(Status.Code.INVALID_ARGUMENT, "is not a member", () -> remove(c, leader, 9));
            refused(Status.Code.FAILED_PRECONDITION, "not the leader", () -> remove(c, followers[0], 9));

            // One voter down: adding a voter would need 3 of 4 with only 2 active. A learner is fine.
            c.kill(followers[1]);
            TestCluster.await(Duration.ofSeconds(10), "the leader to see node " + followers[1] + " inactive",
                () -> c.status(leader).getProgressList().stream().anyMatch(p -> p.getId() == followers[1] && !p.getRecentActive()));
            refused(Status.Code.UNAVAILABLE, "only 2 are active", () -> add(c, leader, 5, false));
            add(c, leader, 4, true);
            // Removing the dead voter is what an operator replacing it does; the survivors still form a quorum.
            MemberChangeResponse r = remove(c, leader, followers[1]);
            assertEquals(Map.of(leader, "voter " + c.peerAddrs.get(leader), followers[0], "voter " + c.peerAddrs.get(followers[0]),
                    4L, "learner " + c.peerAddrs.get(4L)), members(c, leader));
            assertTrue(r.getMembersList().stream().noneMatch(m -> m.getId() == followers[1]));
            put(c, leader, "two-voters", "ok");
            // The removed voter was down: it never applied its removal. Started again, it learns it from the
            // peers that refuse its traffic, and stops serving.
            c.start(followers[1]);
            TestCluster.await(Duration.ofSeconds(20), "node " + followers[1] + " to learn it was removed",
                    () -> c.status(followers[1]).getRemoved());
            refused(Status.Code.UNAVAILABLE, "was removed from the cluster", () -> c.kv(followers[1]).get(GetRequest.newBuilder()
                    .setKey(b("two-voters")).setConsistency(Consistency.SERIALIZABLE).build()));
            c.stop(followers[1]);
            // The removed id can never come back.
            refused(Status.Code.INVALID_ARGUMENT, "ids are never reused", () -> add(c, leader, followers[1], true));
            // The leader may remove itself: it steps down and the other voter takes over.
            remove(c, leader, leader);
            // A removed node serves nothing, not even stale local reads, and says so.
            TestCluster.await(Duration.ofSeconds(10), "node " + leader + " to know it was removed", () -> c.status(leader).getRemoved());
            refused(Status.Code.UNAVAILABLE, "was removed from the cluster", () -> c.kv(leader).get(GetRequest.newBuilder()
                    .setKey(b("two-voters")).setConsistency(Consistency.SERIALIZABLE).build()));
            c.stop(leader);
            // Restarted, it still knows (its member records hold its own tombstone).
            c.start(leader);
            assertTrue(c.status(leader).getRemoved());
            c.stop(leader);
            long next = c.awaitLeader();
            assertEquals(followers[0], next);
            put(c, next, "after-leader-removed", "ok");
        }
    }
}
