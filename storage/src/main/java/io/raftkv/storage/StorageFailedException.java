package io.raftkv.storage;

/**
 * The write path has stopped after an I/O error (disk full, failed fsync, ...). Every later write fails
 * fast with this exception carrying the original cause; the server raises an alarm and stops accepting
 * writes. Nothing written by the failed call was acknowledged; a restart recovers from what is durable.
 */
public final class StorageFailedException extends StorageException {
    private static final long serialVersionUID = 1L;

    public StorageFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
