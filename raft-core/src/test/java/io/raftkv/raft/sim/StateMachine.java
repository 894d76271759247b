package io.raftkv.raft.sim;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Snapshot;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The application each node runs: it folds every applied entry into a hash chain and counts writes.
 * Two nodes with the same (applied, hash) applied the same history, so the chain doubles as the read
 * result a client would see and as the snapshot image. Durable, like the server's RocksDB state: it
 * survives crashes, and the configuration is stored with the applied index (as the server does).
 */
final class StateMachine {
    long applied;
    long hash;
    long writes;
    long lastWriteId;
    ConfState conf = ConfState.EMPTY;

    /** Applies {@code e}; {@code confAfter} is the configuration after it when it is a conf change. */
    void apply(Entry e, ConfState confAfter) {
        if (confAfter != null) {
            conf = confAfter;
        }
        applied = e.index();
        hash = chain(hash, e);
        if (e.type() == EntryType.NORMAL && e.data().length >= 8) {
            writes++;
            lastWriteId = writeId(e.data());
        }
    }

    static long chain(long h, Entry e) {
        long x = h * 0x9E3779B97F4A7C15L + e.index();
        x = x * 31 + e.term();
        x = x * 31 + e.type().ordinal();
        x = x * 31 + Arrays.hashCode(e.data());
        // splitmix64 finalizer so that small differences spread over all bits
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    static long writeId(byte[] data) {
        return ByteBuffer.wrap(data, 0, 8).getLong();
    }

    byte[] serialize() {
        return ByteBuffer.allocate(32).putLong(applied).putLong(hash).putLong(writes).putLong(lastWriteId).array();
    }

    static StateMachine restore(Snapshot snap) {
        StateMachine sm = new StateMachine();
        if (snap.isEmpty()) {
            return sm;
        }
        sm.conf = snap.metadata().confState();
        if (snap.data().length == 0 && snap.index() == MemoryStorage.BOOTSTRAP_INDEX) {
            sm.applied = snap.index(); // a founding member's bootstrap snapshot: configuration only, empty state
            return sm;
        }
        if (snap.data().length != 32) {
            throw new InvariantViolation("snapshot-data", "snapshot " + snap + " does not carry a state-machine image");
        }
        ByteBuffer b = ByteBuffer.wrap(snap.data());
        sm.applied = b.getLong();
        sm.hash = b.getLong();
        sm.writes = b.getLong();
        sm.lastWriteId = b.getLong();
        if (sm.applied != snap.index()) {
            throw new InvariantViolation("snapshot-data", "snapshot " + snap + " holds an image at " + sm.applied);
        }
        return sm;
    }

    @Override
    public String toString() {
        return "sm[applied=" + applied + " writes=" + writes + " hash=" + Long.toHexString(hash) + "]";
    }
}
