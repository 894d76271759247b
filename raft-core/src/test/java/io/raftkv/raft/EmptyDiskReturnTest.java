package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft's safety rests on acknowledged entries surviving: a member that comes back with an empty disk
 * under its old id has forgotten entries it helped commit, and its vote can elect a leader without them.
 * The core cannot tell such a member from a new one; the server refuses it (peers know each member's
 * data-directory incarnation). The scenario of issue 12: x committed by {1,3} while 2 lags; 3 returns
 * empty; 1 crashes; 2 wins with 3's vote.
 */
class EmptyDiskReturnTest {

    private static TestCluster xCommittedBy1And3ThenThreeReturnsEmpty() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(2); // 2 lags
        c.propose(1, "x");
        assertEquals(List.of("x"), c.appliedData(1), "x committed by {1,3}");
        c.storages.put(3L, new MemoryStorage()); // 3's data directory is lost
        c.restart(3);
        c.heal();
        c.stop(1); // 1 crashes
        return c;
    }

    @Test
    void withoutTheRefusalAnEmptyDiskReturnLosesACommittedEntry() {
        TestCluster c = xCommittedBy1And3ThenThreeReturnsEmpty();
        c.elect(2);
        assertEquals(StateRole.LEADER, c.node(2).status().softState().role(), "2 won with the vote of the empty 3");
        c.propose(2, "y");
        assertEquals(List.of("y"), c.appliedData(2), "x, committed before, is gone");
    }

    @Test
    void whenPeersRefuseTheNewIncarnationTheEntryIsSafe() {
        TestCluster c = xCommittedBy1And3ThenThreeReturnsEmpty();
        c.drop(m -> m.from() == 3); // peers refuse the changed disk
        c.elect(2);
        assertNotEquals(StateRole.LEADER, c.node(2).status().softState().role(), "no quorum without 1 and the old 3");
        c.heal();
        c.drop(m -> m.from() == 3);
        c.restart(1);
        c.tickAll(40);
        long leader = c.leader();
        assertTrue(leader == 1 || leader == 2, "leader " + leader);
        c.propose(leader, "y");
        assertEquals(List.of("x", "y"), c.appliedData(leader == 1 ? 2 : 1));
        assertFalse(c.appliedData(3).contains("x"), "3 stays refused: an operator must replace it");
    }
}
