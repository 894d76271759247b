package io.raftkv.chaos;

import java.util.List;

/**
 * A fault as it actually happened: from when it was in force to when it was undone, in the history's
 * clock, with the nodes it hit (the leader resolved, for leader faults).
 */
record FaultWindow(int index, FaultKind kind, String description, List<Integer> targets, long startNanos, long endNanos) {
    FaultWindow {
        targets = List.copyOf(targets);
    }

    boolean covers(long nanos) {
        return nanos >= startNanos && nanos < endNanos;
    }
}
