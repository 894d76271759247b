package io.raftkv.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A network partition as Jepsen calls it: for each node, the nodes it cannot reach (cannot send to).
 * Directed, so one-way partitions are just grudges that are not symmetric. The builders here make the
 * classic shapes; each takes the node order (shuffled by the caller's seeded random) as a parameter so
 * the shape is reproducible.
 */
record Grudge(Map<Integer, Set<Integer>> cannotReach) {
    Grudge {
        TreeMap<Integer, Set<Integer>> copy = new TreeMap<>();
        cannotReach.forEach((node, unreachable) -> {
            if (unreachable.contains(node)) {
                throw new IllegalArgumentException("node " + node + " cannot have a grudge against itself");
            }
            if (!unreachable.isEmpty()) {
                copy.put(node, Collections.unmodifiableSet(new TreeSet<>(unreachable)));
            }
        });
        cannotReach = Collections.unmodifiableMap(copy);
    }

    /** Every directed link this grudge cuts. */
    List<Link> links() {
        List<Link> out = new ArrayList<>();
        cannotReach.forEach((from, tos) -> tos.forEach(to -> out.add(new Link(from, to))));
        return out;
    }

    boolean cuts(Link link) {
        return cannotReach.getOrDefault(link.from(), Set.of()).contains(link.to());
    }

    /** Nodes in different components cannot reach each other in either direction. */
    static Grudge components(List<? extends Set<Integer>> components) {
        Map<Integer, Set<Integer>> g = new TreeMap<>();
        for (Set<Integer> a : components) {
            for (Set<Integer> b : components) {
                if (a != b) {
                    for (int x : a) {
                        g.computeIfAbsent(x, k -> new TreeSet<>()).addAll(b);
                    }
                }
            }
        }
        return new Grudge(g);
    }

    /** {@code node} alone on one side, everybody else on the other. */
    static Grudge isolate(List<Integer> nodes, int node) {
        Set<Integer> rest = new TreeSet<>(nodes);
        rest.remove(node);
        return components(List.of(Set.of(node), rest));
    }

    /** A minority (the first floor(n/2) of {@code order}) and a majority (the rest). */
    static Grudge halves(List<Integer> order) {
        int cut = order.size() / 2;
        return components(List.of(new TreeSet<>(order.subList(0, cut)), new TreeSet<>(order.subList(cut, order.size()))));
    }

    /**
     * Two halves joined by one bridge node that sees both (Jepsen's bridge): with 5 nodes {a,b} and {d,e}
     * cannot talk, c talks to everyone. Each side plus the bridge is a majority, which is what makes it
     * nasty: two overlapping majorities.
     */
    static Grudge bridge(List<Integer> order) {
        int mid = order.size() / 2;
        Set<Integer> left = new TreeSet<>(order.subList(0, mid));
        Set<Integer> right = new TreeSet<>(order.subList(mid + 1, order.size()));
        return components(List.of(left, right));
    }

    /**
     * Each node can reach only its two neighbours on a ring (5 nodes: itself plus two is a majority),
     * so every node sees a majority, and no two see the same one (Jepsen's majorities ring).
     */
    static Grudge majoritiesRing(List<Integer> order) {
        int n = order.size();
        Map<Integer, Set<Integer>> g = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            int node = order.get(i);
            Set<Integer> far = new TreeSet<>(order);
            far.remove(node);
            far.remove(order.get((i + 1) % n));
            far.remove(order.get((i + n - 1) % n));
            g.put(node, far);
        }
        return new Grudge(g);
    }

    /**
     * One direction only: {@code node} cannot send to anyone (outbound) or nobody can send to it
     * (inbound), while the other direction works.
     */
    static Grudge oneWay(List<Integer> nodes, int node, boolean inbound) {
        Map<Integer, Set<Integer>> g = new TreeMap<>();
        for (int other : nodes) {
            if (other == node) {
                continue;
            }
            if (inbound) {
                g.computeIfAbsent(other, k -> new TreeSet<>()).add(node);
            } else {
                g.computeIfAbsent(node, k -> new TreeSet<>()).add(other);
            }
        }
        return new Grudge(g);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        cannotReach.forEach((from, tos) -> b.append(b.length() == 0 ? "" : " ").append(from).append("-/->").append(tos));
        return b.length() == 0 ? "(none)" : b.toString();
    }
}
