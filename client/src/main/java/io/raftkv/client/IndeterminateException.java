package io.raftkv.client;

/**
 * A write made <b>outside a session</b> may or may not have been applied: the request reached (or may have
 * reached) the leader, but no answer says whether it committed. Causes: the server's {@code TIMEOUT} or
 * {@code NO_QUORUM}, a node failing its storage mid-request, the connection dropping after the request was
 * sent, or the call's deadline expiring while the request was in flight.
 *
 * <p>Retry rule: the client does <b>not</b> retry such a write, because a blind retry could apply it twice.
 * Read the key to learn the outcome (a compare-and-set with a unique new value makes that unambiguous),
 * or issue writes through a {@link Session}, whose retries are exactly-once.
 *
 * <p>{@link #outcome()} is always {@link Outcome#UNKNOWN}.
 */
public final class IndeterminateException extends RaftKvException {
    private static final long serialVersionUID = 1L;

    IndeterminateException(String message, Throwable cause) {
        super(message, cause, Outcome.UNKNOWN);
    }
}
