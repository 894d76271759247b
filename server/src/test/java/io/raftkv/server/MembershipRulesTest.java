package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.proto.ErrorDetail;
import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SoftState;
import io.raftkv.raft.StateRole;
import io.raftkv.raft.Status;
import io.raftkv.storage.MemberRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The leader's checks before a membership change, decided from a Status alone. */
class MembershipRulesTest {
    private static final MemberDirectory.View NOBODY_REMOVED = new MemberDirectory(1,
            new TreeMap<>(Map.of(1L, "h1:7000", 2L, "h2:7000", 3L, "h3:7000")), new TreeMap<>(), List.of()).view();

    /** Leader 1 with last index 1000; {@code peers}: id to (match, recently active). */
    private static Status leader(ConfState conf, Map<Long, Object[]> peers) {
        TreeMap<Long, Status.PeerProgress> progress = new TreeMap<>();
        progress.put(1L, new Status.PeerProgress(1000, 1001, Status.ProgressState.REPLICATE, true, false, 0));
        peers.forEach((id, p) -> progress.put(id, new Status.PeerProgress((Long) p[0], (Long) p[0] + 1,
                Status.ProgressState.REPLICATE, (Boolean) p[1], conf.learners().contains(id), 0)));
        return new Status(1, new HardState(5, 1, 1000), new SoftState(1, StateRole.LEADER), 1000, 1000, conf, 0, progress);
    }

    private static final ConfState THREE = ConfState.of(List.of(1L, 2L, 3L));

    private static ErrorDetail.Code refusal(Runnable r) {
        NodeException e = assertThrows(NodeException.class, r::run);
        return e.detail.getCode();
    }

    @Test
    void addingAVoterNeedsAQuorumOfTheBiggerClusterActiveAlready() {
        Status healthy = leader(THREE, Map.of(2L, new Object[] {1000L, true}, 3L, new Object[] {990L, true}));
        ConfChange cc = MembershipRules.check(MembershipRules.Kind.ADD_VOTER, 4, "h4:7000", "", healthy, NOBODY_REMOVED);
        assertEquals(ConfChange.Type.ADD_NODE, cc.changes().get(0).type());
        assertTrue(cc.context().length > 0, "the new member's address rides in the context");
        Status oneDown = leader(THREE, Map.of(2L, new Object[] {1000L, true}, 3L, new Object[] {990L, false}));
        assertEquals(ErrorDetail.Code.NOT_READY, refusal(() ->
                MembershipRules.check(MembershipRules.Kind.ADD_VOTER, 4, "h4:7000", "", oneDown, NOBODY_REMOVED)));
        // A learner does not count in the quorum: fine with a voter down.
        assertEquals(ConfChange.Type.ADD_LEARNER_NODE, MembershipRules.check(MembershipRules.Kind.ADD_LEARNER, 4, "h4:7000",
                "", oneDown, NOBODY_REMOVED).changes().get(0).type());
    }

    /** Issue 14: removing the last voter was refused as NOT_READY (retryable), so the CLI retried for 10-13 s. */
    @Test
    void removingTheLastVoterIsInvalidNotRetryable() {
        ConfState one = ConfState.of(List.of(1L));
        Status alone = new Status(1, new HardState(5, 1, 1000), new SoftState(1, StateRole.LEADER), 1000, 1000, one, 0,
                new TreeMap<>(Map.of(1L, new Status.PeerProgress(1000, 1001, Status.ProgressState.REPLICATE, true, false, 0))));
        NodeException e = assertThrows(NodeException.class,
                () -> MembershipRules.check(MembershipRules.Kind.REMOVE, 1, "", "", alone, NOBODY_REMOVED));
        assertEquals(ErrorDetail.Code.INVALID, e.detail.getCode());
        assertTrue(e.getMessage().contains("last voter"), e.getMessage());
    }

    @Test
    void promotionWaitsForTheLearnerToCatchUp() {
        ConfState withLearner = ConfState.of(List.of(1L, 2L, 3L), List.of(4L));
        Map<Long, Object[]> base = Map.of(2L, new Object[] {1000L, true}, 3L, new Object[] {1000L, true});
        TreeMap<Long, Object[]> behind = new TreeMap<>(base);
        behind.put(4L, new Object[] {899L, true});
        assertEquals(ErrorDetail.Code.NOT_READY, refusal(() ->
                MembershipRules.check(MembershipRules.Kind.PROMOTE, 4, "", "", leader(withLearner, behind), NOBODY_REMOVED)));
        TreeMap<Long, Object[]> silent = new TreeMap<>(base);
        silent.put(4L, new Object[] {1000L, false});
        assertEquals(ErrorDetail.Code.NOT_READY, refusal(() ->
                MembershipRules.check(MembershipRules.Kind.PROMOTE, 4, "", "", leader(withLearner, silent), NOBODY_REMOVED)));
        TreeMap<Long, Object[]> ready = new TreeMap<>(base);
        ready.put(4L, new Object[] {900L, true});
        ConfChange cc = MembershipRules.check(MembershipRules.Kind.PROMOTE, 4, "", "", leader(withLearner, ready), NOBODY_REMOVED);
        assertEquals(ConfChange.addNode(4), cc);
    }

    @Test
    void removingAVoterNeedsTheRestToFormAQuorum() {
        // 3 voters, 3 down to 2 needs 2 active among the remaining: node 2 down leaves only the leader.
        Status twoDown = leader(THREE, Map.of(2L, new Object[] {1000L, false}, 3L, new Object[] {1000L, true}));
        assertEquals(ErrorDetail.Code.NOT_READY, refusal(() ->
                MembershipRules.check(MembershipRules.Kind.REMOVE, 3, "", "", twoDown, NOBODY_REMOVED)));
        // Removing the dead one is exactly what replacing it needs, and is allowed.
        assertEquals(ConfChange.removeNode(2), MembershipRules.check(MembershipRules.Kind.REMOVE, 2, "", "", twoDown, NOBODY_REMOVED));
    }

    @Test
    void idsAreNeverReusedAndAddressesMustBeReachable() {
        Status healthy = leader(THREE, Map.of(2L, new Object[] {1000L, true}, 3L, new Object[] {1000L, true}));
        MemberDirectory.View removed5 = new MemberDirectory(1, new TreeMap<>(Map.of(1L, "h1:7000")),
                new TreeMap<>(), List.of(new MemberRecord(5, true, null))).view();
        NodeException e = assertThrows(NodeException.class, () ->
                MembershipRules.check(MembershipRules.Kind.ADD_LEARNER, 5, "h5:7000", "", healthy, removed5));
        assertTrue(e.getMessage().contains("never reused"), e.getMessage());
        for (String bad : new String[] {"", "h5", "h5:x", "0.0.0.0:7000", "h5:0"}) {
            assertEquals(ErrorDetail.Code.INVALID, refusal(() ->
                    MembershipRules.check(MembershipRules.Kind.ADD_LEARNER, 4, bad, "", healthy, NOBODY_REMOVED)), bad);
        }
        assertEquals(ErrorDetail.Code.INVALID, refusal(() ->
                MembershipRules.check(MembershipRules.Kind.ADD_LEARNER, 4, "h2:7000", "", healthy, NOBODY_REMOVED)));
        assertEquals(ErrorDetail.Code.INVALID, refusal(() ->
                MembershipRules.check(MembershipRules.Kind.ADD_LEARNER, 0, "h4:7000", "", healthy, NOBODY_REMOVED)));
        assertEquals(ErrorDetail.Code.INVALID, refusal(() ->
                MembershipRules.check(MembershipRules.Kind.ADD_LEARNER, 4, "h4:7000", "bad", healthy, NOBODY_REMOVED)));
    }
}
