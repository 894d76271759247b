package io.raftkv.storage;

/**
 * Stored data failed a checksum or a structural check. The node must not serve, apply or replicate it:
 * the message names the data directory and what is damaged (log index, key, file) so an operator can
 * decide between repairing from a peer and restoring a backup.
 */
public final class CorruptionException extends StorageException {
    private static final long serialVersionUID = 1L;

    public CorruptionException(String message) {
        super(message);
    }

    public CorruptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
