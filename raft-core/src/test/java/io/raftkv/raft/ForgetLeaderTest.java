package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** Fast failover: followers that know their leader is dead elect a new one without waiting out its lease. */
class ForgetLeaderTest {

    @Test
    void followersThatForgotADeadLeaderElectANewOneAtOnce() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.stop(1);
        // Within the dead leader's lease: without forgetting it, node 3 ignores node 2's pre-vote.
        c.node(2).campaign();
        c.stabilize();
        assertNotEquals(StateRole.LEADER, c.node(2).status().softState().role(), "node 3 honours the dead leader's lease");
        assertEquals(1, c.node(3).status().softState().leader());
        c.node(2).forgetLeader();
        c.node(3).forgetLeader();
        c.node(2).campaign();
        c.stabilize();
        assertEquals(StateRole.LEADER, c.node(2).status().softState().role());
        assertEquals(2, c.node(3).status().softState().leader());
    }

    @Test
    void aLiveLeaderIsNotDisturbedByOneFollowerForgettingIt() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.node(2).forgetLeader();
        c.node(2).campaign();
        c.stabilize();
        assertEquals(1, c.leader(), "node 3 still hears node 1 and refuses the pre-vote");
        long term = c.node(1).status().hardState().term();
        c.tickAll(1);
        c.stabilize();
        assertEquals(1, c.node(2).status().softState().leader(), "the next heartbeat restores it");
        assertEquals(term, c.node(2).status().hardState().term(), "pre-vote: no term was disturbed");
    }
}
