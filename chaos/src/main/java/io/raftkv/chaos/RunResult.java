package io.raftkv.chaos;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run produced: the plan and what happened, the history, and the checkers' findings.
 *
 * @param pids          every server process started (all gone by the time the result exists)
 * @param harnessErrors problems of the harness itself (a node that would not start, a fault that could not
 *                      be applied): they make the verdict UNKNOWN rather than pass silently
 * @param counters      the counter workload's exactly-once check, per key
 * @param nodeExits     nodes that exited on their own: each fails the run
 * @param returns       what each returning-follower fault saw in its heal window
 * @param injected      the client-side faults the counter workload injected; null without it
 */
record RunResult(RunOptions options, Path dir, NemesisSchedule schedule, List<FaultWindow> windows, List<Op> ops,
                 LinearizabilityChecker.Result linearizability, List<SetChecker.Result> sets, long startedEpochMillis,
                 long runMillis, long healNanos, List<String> harnessErrors, List<String> nodeCommands, List<Long> pids,
                 List<CounterChecker.Result> counters, List<NodeExit> nodeExits, List<ReturningFollower.Observation> returns,
                 ResponseFaults.Counts injected) {
    RunResult {
        windows = List.copyOf(windows);
        ops = List.copyOf(ops);
        sets = List.copyOf(sets);
        harnessErrors = List.copyOf(harnessErrors);
        nodeCommands = List.copyOf(nodeCommands);
        pids = List.copyOf(pids);
        counters = List.copyOf(counters);
        nodeExits = List.copyOf(nodeExits);
        returns = List.copyOf(returns);
    }

    /**
     * Every property the run checked, by the name results.json gives it: linearizability; the set and the
     * counters when their workloads ran; that no node exited on its own; and, when the fault ran, that a
     * returning follower cost no node and no leadership.
     */
    Map<String, Verdict> checks() {
        Map<String, Verdict> m = new LinkedHashMap<>();
        m.put("linearizable", linearizability.verdict());
        if (!sets.isEmpty()) {
            m.put("sets_intact", sets.stream().map(SetChecker.Result::verdict).reduce(Verdict.VALID, Verdict::and));
        }
        if (!counters.isEmpty()) {
            m.put("counters_exactly_once", counters.stream().map(CounterChecker.Result::verdict)
                    .reduce(Verdict.VALID, Verdict::and));
        }
        m.put("no_node_exited_on_its_own", nodeExits.isEmpty() ? Verdict.VALID : Verdict.INVALID);
        if (!returns.isEmpty()) {
            m.put("returning_follower_kept_leader_and_nodes",
                    returns.stream().allMatch(ReturningFollower.Observation::passed) ? Verdict.VALID : Verdict.INVALID);
        }
        return m;
    }

    /** INVALID on any violation; UNKNOWN if something could not be decided; VALID only when all passed. */
    Verdict verdict() {
        Verdict v = checks().values().stream().reduce(Verdict.VALID, Verdict::and);
        // A run with harness trouble, or in which nothing succeeded, proves nothing: never a pass.
        if (v == Verdict.VALID && (!harnessErrors.isEmpty() || ops.stream().noneMatch(o -> o.outcome() == Outcome.OK))) {
            return Verdict.UNKNOWN;
        }
        return v;
    }

    /** Acknowledged adds missing from the final read, over every set, and acknowledged increments lost. */
    int acknowledgedLost() {
        return sets.stream().mapToInt(s -> s.lost().size()).sum() + counters.stream().mapToInt(c -> c.lost().size()).sum();
    }

    /** Increments applied more than once (acknowledged or not), over every counter. */
    int duplicated() {
        return counters.stream().mapToInt(c -> c.duplicated().size()).sum();
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
