package io.raftkv.chaos;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything a run produced: the plan and what happened, the history, and the checkers' findings.
 *
 * @param pids          every server process started (all gone by the time the result exists)
 * @param harnessErrors problems of the harness itself (a node that would not start, a fault that could not
 *                      be applied): they make the verdict UNKNOWN rather than pass silently
 */
record RunResult(RunOptions options, Path dir, NemesisSchedule schedule, List<FaultWindow> windows, List<Op> ops,
                 LinearizabilityChecker.Result linearizability, List<SetChecker.Result> sets, long startedEpochMillis,
                 long runMillis, long healNanos, List<String> harnessErrors, List<String> nodeCommands, List<Long> pids) {
    RunResult {
        windows = List.copyOf(windows);
        ops = List.copyOf(ops);
        sets = List.copyOf(sets);
        harnessErrors = List.copyOf(harnessErrors);
        nodeCommands = List.copyOf(nodeCommands);
        pids = List.copyOf(pids);
    }

    /** INVALID on any violation; UNKNOWN if something could not be decided; VALID only when all passed. */
    Verdict verdict() {
        Verdict v = linearizability.verdict();
        for (SetChecker.Result s : sets) {
            v = v.and(s.verdict());
        }
        // A run with harness trouble, or in which nothing succeeded, proves nothing: never a pass.
        if (v == Verdict.VALID && (!harnessErrors.isEmpty() || ops.stream().noneMatch(o -> o.outcome() == Outcome.OK))) {
            return Verdict.UNKNOWN;
        }
        return v;
    }

    /** Acknowledged adds missing from the final read, over every set. */
    int acknowledgedLost() {
        return sets.stream().mapToInt(s -> s.lost().size()).sum();
    }

    /** Process exit code: 0 valid, 1 a violation, 3 undecided. */
    int exitCode() {
        switch (verdict()) {
            case VALID:
                return 0;
            case INVALID:
                return 1;
            default:
                return 3;
        }
    }

    /** Time from the final heal to the first acknowledged write after it, null if none. */
    Double finalRecoveryMillis() {
        return Stats.recoveryMillis(ops, healNanos);
    }
}
