package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Membership changes: thesis §4.1 (single server), §4.2 (learners, leader removal), §4.3 (joint). */
class MembershipTest {

    private static RawNode join(TestCluster c, long id) {
        return c.add(id, new MemoryStorage(), RaftConfig.defaults(id));
    }

    private static void commitChange(TestCluster c, long leader, ConfChange cc) {
        assertInstanceOf(ProposeResult.Appended.class, c.node(leader).proposeConfChange(cc));
        c.stabilize();
    }

    @Test
    void thesis4_1_addVoterThroughTheLog() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.propose(1, "before");
        join(c, 4);
        commitChange(c, 1, ConfChange.addNode(4));
        c.tickAll(3);
        assertEquals(List.of(1L, 2L, 3L, 4L), List.copyOf(c.node(1).status().config().voters()));
        assertEquals(List.of("before"), c.appliedData(4));
        assertEquals(List.of(1L, 2L, 3L, 4L), List.copyOf(c.confStates.get(4L).voters()));
    }

    @Test
    void thesis4_1_oneChangeAtATime() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(1); // the first change cannot commit, so it stays pending
        assertInstanceOf(ProposeResult.Appended.class, c.node(1).proposeConfChange(ConfChange.addLearner(4)));
        assertEquals(new ProposeResult.Dropped(ProposeResult.Reason.CONF_CHANGE_PENDING, 1),
                c.node(1).proposeConfChange(ConfChange.addLearner(5)));
    }

    @Test
    void thesis4_1_leaderThatHasNotCommittedInItsTermRefusesChanges() {
        TestCluster c = TestCluster.of(3, id -> RaftConfig.defaults(id).withFeatures(false, true));
        c.elect(1);
        c.drop(m -> m instanceof Message.AppendEntries);
        c.elect(2);
        assertEquals(StateRole.LEADER, c.node(2).status().softState().role());
        assertEquals(new ProposeResult.Dropped(ProposeResult.Reason.CONF_CHANGE_PENDING, 2),
                c.node(2).proposeConfChange(ConfChange.removeNode(3)));
    }

    @Test
    void thesis4_1_twoVoterChangesAtOnceNeedJointConsensus() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        ConfChange two = new ConfChange(ConfChange.Transition.AUTO,
                List.of(new ConfChange.Single(ConfChange.Type.ADD_NODE, 4), new ConfChange.Single(ConfChange.Type.ADD_NODE, 5)));
        join(c, 4);
        join(c, 5);
        commitChange(c, 1, two);
        c.tickAll(3);
        ConfState cs = c.node(1).status().config();
        assertFalse(cs.isJoint(), "auto-leave must take the cluster out of the joint configuration");
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), List.copyOf(cs.voters()));
        long joints = c.applied.get(1L).stream().filter(e -> e.type() == EntryType.CONF_CHANGE).count();
        assertEquals(2, joints, "enter joint, then leave joint");
    }

    @Test
    void thesis4_3_jointConfigurationNeedsBothMajorities() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        // Replace 2 and 3 by 4 and 5, leaving the joint state explicitly.
        ConfChange swap = new ConfChange(ConfChange.Transition.JOINT_EXPLICIT, List.of(
                new ConfChange.Single(ConfChange.Type.REMOVE_NODE, 2), new ConfChange.Single(ConfChange.Type.REMOVE_NODE, 3),
                new ConfChange.Single(ConfChange.Type.ADD_NODE, 4), new ConfChange.Single(ConfChange.Type.ADD_NODE, 5)));
        join(c, 4);
        join(c, 5);
        commitChange(c, 1, swap);
        c.tickAll(2);
        assertTrue(c.node(1).status().config().isJoint());
        // With the old majority (2, 3) gone, the new majority (1, 4, 5) alone cannot commit.
        long commit = c.node(1).status().hardState().commit();
        assertFalse(c.commitsWithout(1, 2, 3));
        c.heal();
        c.tickAll(2);
        assertTrue(c.node(1).status().hardState().commit() > commit);
        commitChange(c, 1, ConfChange.leaveJoint());
        assertEquals(List.of(1L, 4L, 5L), List.copyOf(c.node(1).status().config().voters()));
        assertFalse(c.node(1).status().config().isJoint());
    }

    @Test
    void thesis4_2_1_learnerReceivesTheLogButNeitherVotesNorCounts() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        join(c, 4);
        commitChange(c, 1, ConfChange.addLearner(4));
        c.propose(1, "x");
        assertEquals(List.of("x"), c.appliedData(4));
        assertTrue(c.node(1).status().progress().get(4L).learner());
        // A learner never campaigns.
        c.tick(4, 100);
        c.stabilize();
        assertEquals(StateRole.FOLLOWER, c.node(4).status().softState().role());
        // Its acknowledgement does not make a quorum: with 2 and 3 gone nothing commits.
        assertFalse(c.commitsWithout(1, 2, 3));
    }

    @Test
    void thesis4_2_1_learnerPromotion() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        join(c, 4);
        commitChange(c, 1, ConfChange.addLearner(4));
        commitChange(c, 1, ConfChange.addNode(4));
        assertTrue(c.node(1).status().config().voters().contains(4L));
        assertFalse(c.node(1).status().progress().get(4L).learner());
    }

    @Test
    void thesis4_2_2_removedLeaderHandsOverAndStepsDown() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        commitChange(c, 1, ConfChange.removeNode(1));
        long leader = c.leader();
        assertTrue(leader == 2 || leader == 3, "a remaining voter took over at once (TimeoutNow): " + leader);
        c.tickAll(1); // 1 learns the successor's term from the answers to its next heartbeat
        assertEquals(StateRole.FOLLOWER, c.node(1).status().softState().role());
        c.stop(1);
        c.tickAll(40);
        assertEquals(leader, c.leader());
        assertEquals(List.of(2L, 3L), List.copyOf(c.node(leader).status().config().voters()));
        c.propose(leader, "after");
        assertEquals(List.of("after"), c.appliedData(leader == 2 ? 3 : 2));
    }

    /**
     * A removed leader hands over instead of stepping down at once. Here 2 leads {1,2} and is replaced by
     * 3 through the joint configuration {1,3}&{1,2}; the messages that would tell 1 and 3 that leaving the
     * joint configuration committed are lost, and 2 appended one more entry. Had 2 just stepped down, 1
     * and 3 would stay in the joint configuration for good: both majorities need 2's vote, which 2 refuses
     * (its log is longer), and only a leader could tell them the change committed.
     */
    @Test
    void thesis4_2_2_removedLeaderHandsOverSoTheOthersLearnTheChangeCommitted() {
        TestCluster c = TestCluster.of(2, id -> RaftConfig.defaults(id).withFlowControl(1, 256, 0));
        c.elect(2);
        c.add(3, new MemoryStorage(), RaftConfig.defaults(3).withFlowControl(1, 256, 0));
        commitChange(c, 2, new ConfChange(ConfChange.Transition.JOINT_EXPLICIT, List.of(
                new ConfChange.Single(ConfChange.Type.ADD_NODE, 3), new ConfChange.Single(ConfChange.Type.REMOVE_NODE, 2))));
        c.tickAll(3);
        assertTrue(c.node(1).status().config().isJoint());
        long leave = c.node(2).status().lastIndex() + 1;
        c.drop(m -> m.from() == 2 && ((m instanceof Message.AppendEntries a && (a.commit() >= leave || a.lastIndex() > leave))
                || (m instanceof Message.Heartbeat h && h.commit() >= leave)));
        assertInstanceOf(ProposeResult.Appended.class, c.node(2).proposeConfChange(ConfChange.leaveJoint()));
        assertInstanceOf(ProposeResult.Appended.class, c.node(2).propose(TestCluster.bytes("only on 2")));
        c.stabilize();
        assertEquals(List.of(1L, 3L), List.copyOf(c.node(2).status().config().voters()), "2 applied its removal");
        assertTrue(c.node(1).status().config().isJoint(), "1 did not learn that leaving committed");
        c.heal();
        c.tickAll(60);
        long leader = c.leader();
        assertTrue(leader == 1 || leader == 3, "no leader among the remaining voters: " + leader);
        c.propose(leader, "after");
        assertEquals(List.of("after"), c.appliedData(leader == 1 ? 3 : 1).subList(c.appliedData(leader == 1 ? 3 : 1).size() - 1,
                c.appliedData(leader == 1 ? 3 : 1).size()));
        assertFalse(c.node(1).status().config().isJoint());
    }

    @Test
    void invalidChangesAreRejectedAtProposalNotAtApply() {
        TestCluster c = TestCluster.of(1);
        c.elect(1);
        assertEquals(new ProposeResult.Dropped(ProposeResult.Reason.INVALID_CONF_CHANGE, 1),
                c.node(1).proposeConfChange(ConfChange.removeNode(1)));
        assertEquals(new ProposeResult.Dropped(ProposeResult.Reason.INVALID_CONF_CHANGE, 1),
                c.node(1).proposeConfChange(ConfChange.leaveJoint()));
    }

    @Test
    void confChangeEncodingRoundTripsAndRejectsGarbage() {
        ConfChange cc = new ConfChange(ConfChange.Transition.JOINT_IMPLICIT, List.of(
                new ConfChange.Single(ConfChange.Type.ADD_LEARNER_NODE, 7), new ConfChange.Single(ConfChange.Type.REMOVE_NODE, 2)), "peer=10.0.0.7:7000".getBytes());
        assertEquals(cc, ConfChange.decode(cc.encode()));
        assertEquals(ConfChange.addNode(4), ConfChange.decode(ConfChange.addNode(4).encode()));
        // Version 1 (an 8-byte context nobody used) was written by earlier releases: still readable.
        byte[] v1 = java.nio.ByteBuffer.allocate(1 + 1 + 8 + 4 + 9).put((byte) 1).put((byte) 0).putLong(99).putInt(1)
                .put((byte) ConfChange.Type.REMOVE_NODE.ordinal()).putLong(3).array();
        assertEquals(ConfChange.removeNode(3), ConfChange.decode(v1));
        byte[] tooLong = java.nio.ByteBuffer.allocate(1 + 1 + 4).put((byte) 2).put((byte) 0).putInt(ConfChange.MAX_CONTEXT_BYTES + 1).array();
        assertThrows(IllegalStateException.class, () -> ConfChange.decode(tooLong));
        assertThrows(IllegalArgumentException.class, () -> ConfChange.addNode(4, new byte[ConfChange.MAX_CONTEXT_BYTES + 1]));
        assertThrows(IllegalStateException.class, () -> ConfChange.decode(new byte[] {9, 0, 0}));
        assertThrows(IllegalStateException.class, () -> ConfChange.decode(new byte[] {1, 0}));
    }
}
