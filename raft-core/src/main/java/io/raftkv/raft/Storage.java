package io.raftkv.raft;

import java.util.List;

/**
 * The core's read-only view of what the node has persisted. The driver writes (from {@link Ready}); the
 * core only reads. Indexes follow etcd's convention: the storage holds a compaction point
 * {@code firstIndex() - 1} whose term is still known (from the last snapshot), then entries
 * {@code firstIndex() .. lastIndex()}; an empty log has {@code lastIndex() == firstIndex() - 1}.
 *
 * <p>Implementations must be safe to call from the thread that owns the core while another thread
 * appends (the server's persist thread); the core reads only indexes the driver has already persisted.
 */
public interface Storage {

    /** The persisted hard state and configuration, read once when a node (re)starts. */
    InitialState initialState();

    /**
     * Entries in {@code [lo, hi)}, at least one if any exist, otherwise stopping before the total size
     * (see {@link Entry#sizeBytes()}) would exceed {@code maxBytes}.
     *
     * @throws LogCompactedException if {@code lo < firstIndex()}
     * @throws IllegalArgumentException if {@code hi > lastIndex() + 1}
     */
    List<Entry> entries(long lo, long hi, long maxBytes);

    /**
     * The term of the entry at {@code index}, for {@code firstIndex() - 1 <= index <= lastIndex()}.
     *
     * @throws LogCompactedException if {@code index < firstIndex() - 1}
     * @throws IllegalArgumentException if {@code index > lastIndex()}
     */
    long term(long index);

    long firstIndex();

    long lastIndex();

    /**
     * The most recent snapshot, for sending to a follower that needs compacted entries.
     *
     * @throws SnapshotTemporarilyUnavailableException while one is being produced
     */
    Snapshot snapshot();

    record InitialState(HardState hardState, ConfState confState) {
    }
}
