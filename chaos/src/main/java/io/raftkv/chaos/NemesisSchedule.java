package io.raftkv.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The nemesis's plan, drawn entirely from one seed before the run: which fault, on which nodes (as a
 * shuffled node order the fault takes its targets from), how long, and how long the quiet gap before it
 * is. The same seed, nodes and kinds give the same plan; only faults aimed at "the leader" are resolved
 * when they happen, since which node leads depends on timing.
 */
record NemesisSchedule(long seed, List<Step> steps) {
    /**
     * One fault.
     *
     * @param order    the nodes in a seeded random order: single-node faults hit order[0], shapes use it whole
     * @param inbound  for one-way: cut the traffic into the node (else out of it)
     * @param delay    for slow links
     * @param jitter   for slow links
     * @param loss     for lossy links
     */
    record Step(int index, FaultKind kind, List<Integer> order, boolean inbound, Duration quietBefore, Duration duration,
                Duration delay, Duration jitter, double loss) {
    }

    /** Fault and quiet durations are drawn uniformly from these ranges. */
    record Timing(Duration faultMin, Duration faultMax, Duration quietMin, Duration quietMax) {
        Timing {
            if (faultMin.compareTo(faultMax) > 0 || quietMin.compareTo(quietMax) > 0 || faultMin.isNegative()
                    || quietMin.isNegative()) {
                throw new IllegalArgumentException("bad nemesis timing " + faultMin + ".." + faultMax + ", quiet "
                        + quietMin + ".." + quietMax);
            }
        }

        static Timing forTick(Duration tick) {
            // A fault should outlast an election timeout (10-20 ticks) several times over, and the quiet gap
            // should let the cluster settle: both scaled from the server's tick.
            long t = tick.toMillis();
            return new Timing(Duration.ofMillis(60 * t), Duration.ofMillis(120 * t), Duration.ofMillis(30 * t),
                    Duration.ofMillis(60 * t));
        }
    }

    /** Plans faults filling {@code span}; kinds that make no sense for this many nodes are left out. */
    static NemesisSchedule plan(long seed, Set<FaultKind> kinds, List<Integer> nodes, Duration span, Timing timing,
                                Duration tick) {
        Random rnd = new Random(seed);
        List<FaultKind> usable = new ArrayList<>();
        for (FaultKind k : FaultKind.values()) {
            if (kinds.contains(k) && nodes.size() >= k.minNodes) {
                usable.add(k);
            }
        }
        List<Step> steps = new ArrayList<>();
        if (usable.isEmpty()) {
            return new NemesisSchedule(seed, steps);
        }
        // Round-robin over a shuffled deck of kinds, so a short run still sees every kind once.
        List<FaultKind> deck = new ArrayList<>();
        long used = 0;
        while (true) {
            if (deck.isEmpty()) {
                deck.addAll(usable);
                Collections.shuffle(deck, rnd);
            }
            FaultKind kind = deck.remove(0);
            List<Integer> order = new ArrayList<>(nodes);
            Collections.shuffle(order, rnd);
            Duration quiet = between(rnd, timing.quietMin(), timing.quietMax());
            Duration fault = between(rnd, timing.faultMin(), timing.faultMax());
            long t = tick.toMillis();
            Duration delay = Duration.ofMillis(t + rnd.nextInt((int) (3 * t) + 1));
            Duration jitter = Duration.ofMillis(rnd.nextInt((int) t + 1));
            double loss = 0.02 + rnd.nextInt(9) / 100.0;
            boolean inbound = rnd.nextBoolean();
            if (used + quiet.toMillis() + fault.toMillis() > span.toMillis()) {
                break;
            }
            used += quiet.toMillis() + fault.toMillis();
            steps.add(new Step(steps.size(), kind, List.copyOf(order), inbound, quiet, fault, delay, jitter, loss));
        }
        return new NemesisSchedule(seed, List.copyOf(steps));
    }

    private static Duration between(Random rnd, Duration min, Duration max) {
        long span = max.toMillis() - min.toMillis();
        return Duration.ofMillis(min.toMillis() + (span == 0 ? 0 : (long) (rnd.nextDouble() * (span + 1))));
    }

    /** Total planned fault time. */
    Duration faultTime() {
        return steps.stream().map(Step::duration).reduce(Duration.ZERO, Duration::plus);
    }
}
