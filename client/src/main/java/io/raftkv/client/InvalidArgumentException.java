package io.raftkv.client;

/**
 * The server rejected the request as invalid (gRPC {@code INVALID_ARGUMENT}, error code {@code INVALID}):
 * a key, value or request larger than the cluster's limit, a scan limit out of range, a malformed
 * compare-and-set. Nothing was applied: {@link #outcome()} is always {@link Outcome#NOT_APPLIED}.
 *
 * <p>Retry rule: <b>never retried</b>; the same request would fail the same way. When a limit was
 * exceeded, {@link #limitName()}, {@link #limit()} and {@link #actual()} name it.
 */
public final class InvalidArgumentException extends RaftKvException {
    private static final long serialVersionUID = 1L;

    private final String limitName;
    private final long limit;
    private final long actual;

    InvalidArgumentException(String message, String limitName, long limit, long actual, Throwable cause) {
        super(message, cause, Outcome.NOT_APPLIED);
        this.limitName = limitName;
        this.limit = limit;
        this.actual = actual;
    }

    /** The limit that was exceeded (for example {@code max-key-bytes}), or an empty string. */
    public String limitName() {
        return limitName;
    }

    /** The limit's value, or 0 when no limit was named. */
    public long limit() {
        return limit;
    }

    /** The size or value the request had, or 0 when no limit was named. */
    public long actual() {
        return actual;
    }
}
