package io.raftkv.storage;

/** Base of every failure this module reports; unchecked because the core's {@code Storage} reads cannot throw checked ones. */
public class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}
