package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Linearizable reads without the log: thesis §6.4 (ReadIndex). Leases (§6.4.1) are deliberately absent. */
class ReadIndexTest {

    @Test
    void thesis6_4_leaderReadNeedsAHeartbeatRoundAndReturnsTheCommitIndex() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.propose(1, "a");
        long commit = c.node(1).status().hardState().commit();
        c.delivered.clear();
        assertTrue(c.node(1).readIndex(42));
        c.stabilize();
        assertEquals(List.of(new ReadState(commit, 42)), c.reads.get(1L));
        assertTrue(c.delivered.stream().anyMatch(m -> m instanceof Message.HeartbeatResponse h && h.readCtx() != 0),
                "leadership confirmed by a quorum round");
    }

    @Test
    void thesis6_4_followerReadIsForwardedAndAnswered() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.propose(1, "a");
        assertTrue(c.node(3).readIndex(7));
        c.stabilize();
        assertEquals(List.of(new ReadState(c.node(1).status().hardState().commit(), 7)), c.reads.get(3L));
    }

    @Test
    void thesis6_4_sameContextFromTwoFollowersIsAnsweredToBoth() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.node(2).readIndex(5);
        c.node(3).readIndex(5);
        c.stabilize();
        assertEquals(1, c.reads.get(2L).size());
        assertEquals(1, c.reads.get(3L).size());
    }

    @Test
    void thesis6_4_deposedLeaderCutOffFromTheMajorityServesNoRead() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(1);
        c.node(1).readIndex(9);
        c.stabilize();
        c.tick(1, 3);
        c.stabilize();
        assertTrue(c.reads.get(1L).isEmpty(), "an isolated leader must not confirm a read");
    }

    @Test
    void thesis6_4_newLeaderDefersReadsUntilItCommitsInItsTerm() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.propose(1, "a");
        c.isolate(1);
        c.tickAll(30); // 2 or 3 takes over
        long leader = c.leader();
        assertTrue(leader == 2 || leader == 3);
        c.heal();
        c.isolate(1);
        // Withhold the new leader's no-op so nothing of its term is committed.
        c.drop(m -> m instanceof Message.AppendEntries);
        c.restart(leader);
        c.tickAll(25);
        long l2 = c.leader();
        c.node(l2).readIndex(11);
        c.stabilize();
        assertTrue(c.reads.get(l2).isEmpty(), "read answered before committing in term");
        c.heal();
        c.isolate(1);
        c.tickAll(2);
        assertEquals(1, c.reads.get(l2).size());
        assertEquals(c.node(l2).status().hardState().commit(), c.reads.get(l2).get(0).index());
    }

    /**
     * Why there is no lease mode: right after TimeoutNow the target may win and commit while the old
     * leader still believes it leads. A read on the old leader must wait for a quorum round, which the
     * new term's answers turn into a step-down, never into a stale read point.
     */
    @Test
    void thesis6_4_oldLeaderServesNoReadOnceItHandedOverLeadership() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.propose(1, "a");
        c.node(1).transferLeadership(2);
        c.handleReady(1); // TimeoutNow leaves; 1 still leads until it hears of term+1
        assertEquals(StateRole.LEADER, c.node(1).status().softState().role());
        c.node(1).readIndex(5);
        c.stabilize();
        assertEquals(2, c.leader());
        c.propose(2, "b");
        assertTrue(c.reads.get(1L).isEmpty(), "the old leader answered a read after handing over: " + c.reads.get(1L));
    }

    @Test
    void readIndexWithoutAKnownLeaderFailsFast() {
        TestCluster c = TestCluster.of(3);
        assertFalse(c.node(2).readIndex(1));
    }
}
