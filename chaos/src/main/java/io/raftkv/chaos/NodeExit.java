package io.raftkv.chaos;

import java.time.Instant;
import java.util.List;

/**
 * A node that stopped without the harness stopping it: a crash, an OutOfMemoryError (the nodes run with
 * -XX:+ExitOnOutOfMemoryError), a fatal error it exited on. Any one fails the run.
 *
 * @param node      the slot
 * @param life      which run of the node this was (its pid, or its container's start time): one exit per life
 * @param how       the exit code, and for a container its state (OOM-killed, ...)
 * @param seen      when the harness noticed
 * @param lastLines the end of the node's log
 */
record NodeExit(int node, String life, String how, Instant seen, List<String> lastLines) {
    NodeExit {
        lastLines = List.copyOf(lastLines);
    }

    /** Lines of log kept with an exit. */
    static final int LOG_LINES = 30;

    String describe() {
        return "node " + node + " exited on its own (" + how + ", noticed " + seen + "); last log lines:\n  "
                + String.join("\n  ", lastLines);
    }
}
