package io.raftkv.storage;

/** A command payload that does not decode; the state machine rejects it deterministically on every replica. */
public final class MalformedCommandException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MalformedCommandException(String message) {
        super(message);
    }
}
