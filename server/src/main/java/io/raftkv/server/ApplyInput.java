package io.raftkv.server;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** What the state-machine stage is handed, in log order, by the raft thread, the log writer and the snapshotter. */
sealed interface ApplyInput {

    /** Proposals the leader appended, to answer when their index is applied (always sent before that Apply). */
    record Track(List<Waiters.Proposal> proposals) implements ApplyInput {
    }

    /** Committed entries to apply, with the configuration each conf-change entry produced. */
    record Apply(List<Entry> committed, Map<Long, ConfState> confStates) implements ApplyInput {
    }

    /** Reads whose leadership a quorum confirmed at {@code index}: serve each once applied reaches it. */
    record ReadsAt(long index, List<Waiters.Read> reads) implements ApplyInput {
    }

    /** A snapshot replaced the state machine: its applied index jumped. */
    record SnapshotInstalled() implements ApplyInput {
    }

    /** The log writer waits for everything handed out before it to be applied (before installing a snapshot). */
    record Drained(CountDownLatch done) implements ApplyInput {
    }

    /** The snapshotter finished ({@code index} > 0) or failed ({@code index} == 0). */
    record SnapshotDone(long index) implements ApplyInput {
    }

    /** The node halts or shuts down: answer every waiter with {@code cause}. */
    record FailAll(NodeException cause) implements ApplyInput {
    }
}
