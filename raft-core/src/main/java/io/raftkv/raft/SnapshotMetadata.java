package io.raftkv.raft;

import java.util.Objects;

/** What the core knows of a snapshot: the last index and term it covers and the configuration there. */
public record SnapshotMetadata(long index, long term, ConfState confState) {
    public static final SnapshotMetadata EMPTY = new SnapshotMetadata(0, 0, ConfState.EMPTY);

    public SnapshotMetadata {
        Objects.requireNonNull(confState, "confState");
        if (index < 0 || term < 0) {
            throw new IllegalArgumentException("negative snapshot index/term " + index + "/" + term);
        }
    }
}
