package io.raftkv.raft;

/** The storage is producing a snapshot and cannot return one yet; the leader retries later. */
public final class SnapshotTemporarilyUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SnapshotTemporarilyUnavailableException() {
        super("snapshot temporarily unavailable", null, false, false);
    }
}
