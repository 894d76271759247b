package io.raftkv.client;

/**
 * The retry budget ran out while the cluster was shedding load (gRPC {@code RESOURCE_EXHAUSTED}, error
 * code {@code OVERLOADED}). The server rejects such requests before proposing them, so nothing was
 * applied by the overloaded attempts; {@link #outcome()} is {@link Outcome#UNKNOWN} only for a session write
 * an earlier attempt of which may have reached the log.
 *
 * <p>Retry rule: the client already backed off between attempts; slow down before trying again.
 */
public final class OverloadedException extends UnavailableException {
    private static final long serialVersionUID = 1L;

    OverloadedException(String message, Throwable cause, Outcome outcome, java.util.Map<String, String> endpointFailures) {
        super(message, cause, outcome, endpointFailures);
    }
}
