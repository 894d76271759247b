package io.raftkv.storage;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One atomic change to the Raft log, written as a single RocksDB {@code WriteBatch}: optionally reset the
 * log to a snapshot's index and term, then append entries (replacing any conflicting suffix), then set
 * the hard state; synced when {@code sync}. This is exactly what one {@code Ready} asks the driver to
 * persist, in the same order.
 */
public record LogWrite(Optional<SnapshotMetadata> resetTo, List<Entry> entries, Optional<HardState> hardState, boolean sync) {
    public LogWrite {
        Objects.requireNonNull(resetTo, "resetTo");
        Objects.requireNonNull(hardState, "hardState");
        entries = List.copyOf(entries);
    }

    public static LogWrite append(List<Entry> entries, boolean sync) {
        return new LogWrite(Optional.empty(), entries, Optional.empty(), sync);
    }

    public static LogWrite hardState(HardState hs, boolean sync) {
        return new LogWrite(Optional.empty(), List.of(), Optional.of(hs), sync);
    }

    public boolean isEmpty() {
        return resetTo.isEmpty() && entries.isEmpty() && hardState.isEmpty();
    }
}
