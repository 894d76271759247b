package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GrudgeTest {
    private static final List<Integer> FIVE = List.of(1, 2, 3, 4, 5);

    /** Nodes {@code node} can send to (directly). */
    private static Set<Integer> reach(Grudge g, List<Integer> nodes, int node) {
        Set<Integer> out = new HashSet<>();
        for (int other : nodes) {
            if (other != node && !g.cuts(new Link(node, other))) {
                out.add(other);
            }
        }
        return out;
    }

    @Test
    void isolateCutsBothDirections() {
        Grudge g = Grudge.isolate(FIVE, 3);
        assertEquals(Set.of(), reach(g, FIVE, 3));
        for (int n : List.of(1, 2, 4, 5)) {
            assertFalse(reach(g, FIVE, n).contains(3));
            assertEquals(3, reach(g, FIVE, n).size());
        }
        assertEquals(8, g.links().size());
    }

    @Test
    void halvesSplitMinorityFromMajority() {
        Grudge g = Grudge.halves(List.of(4, 2, 1, 5, 3));
        assertEquals(Set.of(2), reach(g, FIVE, 4));
        assertEquals(Set.of(5, 3), reach(g, FIVE, 1));
    }

    @Test
    void bridgeNodeSeesBothSidesAndEachSideWithItIsAMajority() {
        Grudge g = Grudge.bridge(List.of(1, 2, 3, 4, 5));
        assertEquals(Set.of(1, 2, 4, 5), reach(g, FIVE, 3));
        assertEquals(Set.of(2, 3), reach(g, FIVE, 1));
        assertEquals(Set.of(3, 5), reach(g, FIVE, 4));
        Grudge three = Grudge.bridge(List.of(1, 2, 3));
        assertEquals(Set.of(2), reach(three, List.of(1, 2, 3), 1));
        assertEquals(Set.of(1, 3), reach(three, List.of(1, 2, 3), 2));
    }

    @Test
    void majoritiesRingGivesEveryNodeItsOwnMajority() {
        List<Integer> order = List.of(2, 5, 1, 4, 3);
        Grudge g = Grudge.majoritiesRing(order);
        Set<Set<Integer>> majorities = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            int n = order.get(i);
            Set<Integer> r = reach(g, FIVE, n);
            assertEquals(Set.of(order.get((i + 1) % 5), order.get((i + 4) % 5)), r);
            Set<Integer> m = new HashSet<>(r);
            m.add(n);
            majorities.add(m);
        }
        assertEquals(5, majorities.size(), "no two nodes see the same majority");
    }

    @Test
    void oneWayCutsOnlyOneDirection() {
        Grudge out = Grudge.oneWay(FIVE, 2, false);
        assertEquals(Set.of(), reach(out, FIVE, 2));
        assertTrue(reach(out, FIVE, 1).contains(2));
        Grudge in = Grudge.oneWay(FIVE, 2, true);
        assertEquals(Set.of(1, 3, 4, 5), reach(in, FIVE, 2));
        assertFalse(reach(in, FIVE, 1).contains(2));
    }

    @Test
    void aNodeCannotHoldAGrudgeAgainstItself() {
        assertThrows(IllegalArgumentException.class, () -> new Grudge(Map.of(1, Set.of(1))));
        assertThrows(IllegalArgumentException.class, () -> new Link(1, 1));
    }
}
