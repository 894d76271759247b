package io.raftkv.storage;

/** The data directory was initialised by another node or cluster; starting on it would merge two histories. */
public final class DataDirMismatchException extends StorageException {
    private static final long serialVersionUID = 1L;

    public DataDirMismatchException(String message) {
        super(message);
    }
}
