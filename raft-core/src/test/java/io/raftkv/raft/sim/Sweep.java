package io.raftkv.raft.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/** Runs the simulator over a range of seeds and gathers statistics and failures. */
final class Sweep {
    final Stats stats = new Stats();
    final Stats.Coverage coverage = new Stats.Coverage();
    final List<SimFailure> failures = new ArrayList<>();
    int seedsRun;
    long millis;

    /**
     * Runs the seeds {@code first..last} accepted by {@code which}; stops after {@code maxFailures}
     * failures (or at the first one that catches the control, if {@code stopAtCaught}).
     */
    static Sweep run(long first, long last, int steps, LongPredicate which, Control control, int maxFailures,
                     boolean stopAtCaught) {
        Sweep s = new Sweep();
        long start = System.nanoTime(); // reporting only: nothing in a run depends on time
        for (long seed = first; seed <= last; seed++) {
            if (!which.test(seed)) {
                continue;
            }
            s.seedsRun++;
            try {
                Simulator sim = new Simulator(Scenario.fromSeed(seed, steps, control));
                Stats st = sim.run();
                s.stats.merge(st);
                s.coverage.add(st);
                if (SimProps.verbose()) {
                    System.out.println("[sim] " + sim.sc.shortString() + " fingerprint=" + Long.toHexString(sim.fingerprint)
                            + "\n[sim]   " + st);
                }
            } catch (SimFailure f) {
                s.failures.add(f);
                if (s.failures.size() >= maxFailures || (stopAtCaught && control != null && control.caughtBy(f))) {
                    break;
                }
            }
        }
        s.millis = (System.nanoTime() - start) / 1_000_000;
        return s;
    }

    String summary(String what) {
        return String.format("[sim] %s: %d seeds x %d steps in %.1f s, %d failed%n[sim]   %s%n[sim]   %s%n[sim]   totals: %s",
                what, seedsRun, stats.runs == 0 ? 0 : stats.steps / stats.runs, millis / 1000.0, failures.size(),
                stats.perRun(), coverage, stats);
    }
}
