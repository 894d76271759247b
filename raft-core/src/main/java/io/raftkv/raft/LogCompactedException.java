package io.raftkv.raft;

/** The requested index lies at or before the storage's compaction point: only a snapshot covers it. */
public final class LogCompactedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LogCompactedException(long index, long firstIndex) {
        super("index " + index + " is compacted (first available index is " + firstIndex + ")", null, false, false);
    }
}
