package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void threeNodesElectAndCommit() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        assertEquals(1, c.leader());
        assertInstanceOf(ProposeResult.Appended.class, c.propose(1, "a"));
        for (long id = 1; id <= 3; id++) {
            assertEquals(List.of("a"), c.appliedData(id), "node " + id);
        }
    }

    @Test
    void singleNodeCommits() {
        TestCluster c = TestCluster.of(1);
        c.elect(1);
        c.propose(1, "x");
        assertEquals(List.of("x"), c.appliedData(1));
    }
}
