package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Leadership transfer: thesis §3.10. */
class LeadershipTransferTest {

    @Test
    void thesis3_10_upToDateTargetTakesOverAtOnce() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.propose(1, "a");
        c.node(1).transferLeadership(2);
        c.stabilize();
        assertEquals(2, c.leader());
        assertEquals(2, c.node(1).status().softState().leader());
    }

    @Test
    void thesis3_10_laggingTargetIsCaughtUpFirst() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 5; i++) {
            c.propose(1, "v" + i);
        }
        c.heal();
        c.node(1).transferLeadership(3);
        c.stabilize();
        assertEquals(3, c.leader());
        assertEquals(5, c.appliedData(3).size());
    }

    @Test
    void thesis3_10_proposalsAreRefusedDuringTransferAndTransferAbortsAfterAnElectionTimeout() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(3);
        c.node(1).transferLeadership(3);
        c.stabilize();
        assertEquals(new ProposeResult.Dropped(ProposeResult.Reason.LEADERSHIP_TRANSFER, 1),
                c.node(1).propose(new byte[] {1}));
        c.tick(1, 10);
        c.stabilize();
        assertEquals(1, c.leader());
        assertInstanceOf(ProposeResult.Appended.class, c.node(1).propose(new byte[] {1}));
    }

    @Test
    void thesis3_10_followerForwardsTransferRequestToTheLeader() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.node(3).transferLeadership(3);
        c.stabilize();
        assertEquals(3, c.leader());
    }

    @Test
    void thesis3_10_timeoutNowOverridesTheLeaseOfOtherFollowers() {
        TestCluster c = TestCluster.of(5);
        c.elect(1);
        c.node(1).transferLeadership(4);
        c.stabilize();
        assertEquals(4, c.leader(), "followers that just heard from 1 still vote for a transfer campaign");
    }

    /**
     * Issue 12, defect 4: the transfer timer used to be the check-quorum timer, so transfer requests to
     * alternating targets every few ticks kept an isolated leader in office forever.
     */
    @Test
    void thesis6_2_transferRequestsDoNotPostponeCheckQuorum() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(1);
        int electionTick = c.configs.get(1L).electionTick();
        int ticks = 0;
        // Check-quorum asks "heard from a quorum since the last round": the verdict comes at the latest
        // two election timeouts after the isolation.
        while (c.node(1).status().softState().role() == StateRole.LEADER && ticks < 4 * electionTick) {
            if (ticks % 3 == 0) {
                c.node(1).transferLeadership(ticks % 2 == 0 ? 2 : 3);
            }
            c.tick(1, 1);
            c.stabilize();
            ticks++;
        }
        assertEquals(StateRole.FOLLOWER, c.node(1).status().softState().role(),
                "an isolated leader kept office for " + ticks + " ticks under transfer requests");
        assertTrue(ticks <= 2 * electionTick, "stepped down only after " + ticks + " ticks");
    }
}
