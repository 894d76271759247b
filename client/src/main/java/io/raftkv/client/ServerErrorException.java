package io.raftkv.client;

/**
 * The server answered with an error outside the documented retry table (gRPC {@code INTERNAL},
 * {@code UNIMPLEMENTED}, {@code UNKNOWN}, an unknown error code) or with {@code STALE_SEQUENCE}, which
 * means a session was misused. Either side has a bug, or client and server versions disagree.
 *
 * <p>Retry rule: never retried. For a write in a session the outcome is at most once; for a read nothing
 * was applied. (A write outside a session that fails this way after being sent is reported as
 * {@link IndeterminateException} instead.)
 */
public final class ServerErrorException extends RaftKvException {
    private static final long serialVersionUID = 1L;

    ServerErrorException(String message, Throwable cause) {
        super(message, cause);
    }
}
