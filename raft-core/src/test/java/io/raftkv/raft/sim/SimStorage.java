package io.raftkv.raft.sim;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.Storage;
import java.util.List;

/**
 * What a simulated node's core reads on (re)start, as the server's store presents it: the log and hard
 * state from the disk ({@link io.raftkv.raft.MemoryStorage}), and the configuration applied with the
 * durable state machine, unless a newer snapshot is recorded (the state machine will be that snapshot).
 */
final class SimStorage implements Storage {
    private final SimNode node;

    SimStorage(SimNode node) {
        this.node = node;
    }

    @Override
    public InitialState initialState() {
        Snapshot snap = node.storage.snapshot();
        ConfState conf = snap.index() > node.sm.applied ? snap.metadata().confState() : node.sm.conf;
        return new InitialState(node.storage.hardState(), conf);
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        return node.storage.entries(lo, hi, maxBytes);
    }

    @Override
    public long term(long index) {
        return node.storage.term(index);
    }

    @Override
    public long firstIndex() {
        return node.storage.firstIndex();
    }

    @Override
    public long lastIndex() {
        return node.storage.lastIndex();
    }

    @Override
    public Snapshot snapshot() {
        return node.storage.snapshot();
    }
}
