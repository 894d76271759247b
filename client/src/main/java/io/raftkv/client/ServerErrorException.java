package io.raftkv.client;

/**
 * The server answered with an error outside the documented retry table (gRPC {@code INTERNAL},
 * {@code UNIMPLEMENTED}, {@code UNKNOWN}, an unknown error code) or with {@code STALE_SEQUENCE}, which
 * means a session was misused. Either side has a bug, or client and server versions disagree.
 *
 * <p>Retry rule: never retried. {@link #outcome()}: {@link Outcome#NOT_APPLIED} for a read, for
 * {@code STALE_SEQUENCE} and for a session write none of whose attempts may have been applied;
 * {@link Outcome#UNKNOWN} (at most once) for other session writes. (A write outside a session that fails
 * this way after being sent is reported as {@link IndeterminateException} instead.)
 */
public final class ServerErrorException extends RaftKvException {
    private static final long serialVersionUID = 1L;

    ServerErrorException(String message, Throwable cause, Outcome outcome) {
        super(message, cause, outcome);
    }
}
