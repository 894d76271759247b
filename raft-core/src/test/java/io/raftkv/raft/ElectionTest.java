package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Leader election: Raft §5.2, §5.4.1, thesis §9.6 (pre-vote), §6.2 (check-quorum), §4.2.3. */
class ElectionTest {

    @Test
    void section5_2_electionTimeoutElectsExactlyOneLeader() {
        TestCluster c = TestCluster.of(5);
        c.tickAll(30);
        long leader = c.leader();
        assertNotEquals(0, leader);
        long term = c.node(leader).status().hardState().term();
        for (RawNode n : c.nodes.values()) {
            assertEquals(term, n.status().hardState().term());
            assertEquals(leader, n.status().softState().leader());
        }
    }

    @Test
    void section5_2_randomizedTimeoutsStayWithinElectionTickAndTwiceIt() {
        RaftConfig cfg = RaftConfig.defaults(1).withElection(10, 1);
        for (long seed = 0; seed < 50; seed++) {
            RawNode n = new RawNode(cfg, MemoryStorage.bootstrap(ConfState.of(List.of(1L, 2L, 3L))),
                    new java.util.SplittableRandom(seed));
            int ticks = 0;
            while (n.status().softState().role() == StateRole.FOLLOWER) {
                n.tick();
                ticks++;
            }
            assertTrue(ticks >= 10 && ticks < 20, "campaigned after " + ticks + " ticks");
        }
    }

    @Test
    void section5_2_aNodeVotesAtMostOncePerTerm() {
        TestCluster c = TestCluster.of(3, id -> RaftConfig.defaults(id).withFeatures(false, false));
        // 2 and 3 campaign in the same term; node 1 gets 2's request first and must refuse 3.
        c.node(2).campaign();
        c.node(3).campaign();
        c.stabilize();
        long votesFor2 = c.delivered.stream().filter(m -> m instanceof Message.VoteResponse r && !r.reject()
                && r.to() == 2).count();
        long votesFor3 = c.delivered.stream().filter(m -> m instanceof Message.VoteResponse r && !r.reject()
                && r.to() == 3).count();
        assertTrue(votesFor2 + votesFor3 <= 1, "node 1 granted both candidates in one term");
        assertEquals(2, c.storages.get((long) 1).hardState().term(), "one election after the bootstrap term");
    }

    @Test
    void section5_4_1_candidateWithStaleLogCannotWin() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(3);
        c.propose(1, "x");
        c.heal();
        // 3 missed "x": its campaign must be refused by both others.
        c.isolate(1);
        c.node(3).campaign();
        c.stabilize();
        assertNotEquals(StateRole.LEADER, c.node(3).status().softState().role());
        c.node(2).campaign();
        c.stabilize();
        assertEquals(StateRole.LEADER, c.node(2).status().softState().role());
    }

    @Test
    void thesis9_6_preVotePartitionedNodeDoesNotRaiseTermAndDisruptNothingOnReturn() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        long term = c.node(1).status().hardState().term();
        c.isolate(3);
        for (int i = 0; i < 100; i++) {
            c.node(3).tick();
            c.stabilize();
        }
        assertEquals(term, c.node(3).status().hardState().term(), "pre-vote must not raise the term");
        c.heal();
        c.tickAll(5);
        assertEquals(1, c.leader());
        assertEquals(term, c.node(1).status().hardState().term());
    }

    @Test
    void section6_2_checkQuorumLeaderCutOffFromMajorityStepsDown() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(1);
        for (int i = 0; i < 2 * 10 + 1; i++) {
            c.node(1).tick();
            c.stabilize();
        }
        assertEquals(StateRole.FOLLOWER, c.node(1).status().softState().role());
    }

    @Test
    void section4_2_3_votesIgnoredWhileALeaderIsLive() {
        TestCluster c = TestCluster.of(3, id -> RaftConfig.defaults(id).withFeatures(true, false));
        c.elect(1);
        long term = c.node(1).status().hardState().term();
        // Node 3 forgets its leader (a one-way cut) and campaigns with a higher term.
        c.cutLink(1, 3);
        c.node(3).campaign();
        c.stabilize();
        assertEquals(term, c.node(2).status().hardState().term(), "node 2 heard its leader and must ignore");
        assertEquals(1, c.node(2).status().softState().leader());
    }

    @Test
    void deposedLeaderLearnsTheNewTermFromAnAnswerToItsStaleHeartbeat() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(1);
        for (int i = 0; i < 40 && c.node(2).status().softState().role() != StateRole.LEADER
                && c.node(3).status().softState().role() != StateRole.LEADER; i++) {
            c.node(2).tick();
            c.node(3).tick();
            c.stabilize();
        }
        long newLeader = c.node(2).status().softState().leader();
        assertTrue(newLeader == 2 || newLeader == 3, "2 and 3 elect a leader without 1");
        c.heal();
        c.node(1).tick(); // heartbeat timeout: 1 still believes it leads
        c.stabilize();
        assertEquals(StateRole.FOLLOWER, c.node(1).status().softState().role());
        assertEquals(newLeader, c.leader());
    }

    @Test
    void restartRestoresTermVoteAndCommitFromStorage() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.propose(1, "a");
        HardState before = c.storages.get((long) 2).hardState();
        c.restart(2);
        assertEquals(before.term(), c.node(2).status().hardState().term());
        assertEquals(before.vote(), c.node(2).status().hardState().vote());
        assertEquals(before.commit(), c.node(2).status().hardState().commit());
    }
}
