package io.raftkv.client;

/**
 * The cluster no longer knows the session (gRPC {@code NOT_FOUND}, error code {@code SESSION_EXPIRED}):
 * it expired after its ttl without writes or keep-alives (for example while the client was partitioned
 * from the cluster), or was closed.
 *
 * <p>What was applied: the outcome of the write that got this answer is <b>unknown</b>; an earlier attempt
 * of it may have been applied before the session expired. Read the key to find out. {@link #outcome()} is
 * always {@link Outcome#UNKNOWN}.
 *
 * <p>Retry rule: not retried automatically. The {@link Session} object stays usable: its next write opens
 * a new session (new id, sequence numbers from 1) registered through the log.
 */
public final class SessionExpiredException extends RaftKvException {
    private static final long serialVersionUID = 1L;

    private final long sessionId;

    SessionExpiredException(String message, long sessionId, Throwable cause) {
        super(message, cause, Outcome.UNKNOWN);
        this.sessionId = sessionId;
    }

    /** The id of the session that expired. */
    public long sessionId() {
        return sessionId;
    }
}
