package io.raftkv.raft.sim;

import java.util.List;

/** A failed run: names the seed, the step and the invariant, says how to replay, and shows the trace. */
final class SimFailure extends AssertionError {
    private static final long serialVersionUID = 1L;

    final long seed;
    final long step;
    final String invariant;

    SimFailure(Scenario sc, long step, String invariant, String detail, List<String> trace, Throwable cause) {
        super(message(sc, step, invariant, detail, trace), cause);
        this.seed = sc.seed();
        this.step = step;
        this.invariant = invariant;
    }

    /** The invariants whose violation means a client could observe wrong results. */
    private static final java.util.Set<String> SAFETY = java.util.Set.of("election-safety", "log-matching",
            "commit-safety", "leader-completeness", "state-machine-safety", "snapshot-safety", "config-safety",
            "linearizable-read");

    /** Whether it is a safety violation: not liveness, not a contract check, not the core's own assertion. */
    boolean isSafety() {
        return SAFETY.contains(invariant);
    }

    private static String message(Scenario sc, long step, String invariant, String detail, List<String> trace) {
        StringBuilder sb = new StringBuilder();
        sb.append("SIMULATION FAILED seed=").append(sc.seed()).append(" step=").append(step)
                .append(" invariant=").append(invariant).append('\n');
        sb.append("  ").append(detail).append('\n');
        sb.append("  scenario: ").append(sc.shortString()).append('\n');
        sb.append("  replay: ./mvnw -pl raft-core test -Dtest=")
                .append(sc.control() == null ? "SimulationTest" : "NegativeControlTest -Dsim.control=" + sc.control())
                .append(" -Dsim.seed=").append(sc.seed());
        if (sc.steps() != SimProps.DEFAULT_STEPS) {
            sb.append(" -Dsim.steps=").append(sc.steps());
        }
        sb.append('\n').append("  last ").append(trace.size()).append(" events (step node event detail):\n");
        for (String line : trace) {
            sb.append("    ").append(line).append('\n');
        }
        return sb.toString();
    }
}
