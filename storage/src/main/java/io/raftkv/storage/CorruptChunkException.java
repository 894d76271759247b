package io.raftkv.storage;

/**
 * A snapshot chunk failed its checks (checksum, sequence, size) and was not stored. The transfer goes on
 * by resending from {@link SnapshotReceiver#nextChunk()}.
 */
public final class CorruptChunkException extends StorageException {
    private static final long serialVersionUID = 1L;

    public CorruptChunkException(String message) {
        super(message);
    }
}
