package io.raftkv.client;

/**
 * Base of every error the client reports. Unchecked: asynchronous calls complete exceptionally with one
 * of these, synchronous calls throw it.
 *
 * <p>Every exception says what became of the request: {@link #outcome()}. Callers never need to infer it
 * from the exception's type or from how the client was built.
 *
 * <p>The subclasses, and what to do about each:
 * <ul>
 *   <li>{@link InvalidArgumentException}: the request breaks a limit or a rule; never retried, fix it.</li>
 *   <li>{@link UnavailableException} (and {@link OverloadedException}): no node could serve the call
 *       within the retry budget and deadline. Outside a session nothing was applied; a session write whose
 *       attempts may have reached the log may still apply, at most once ({@link Outcome#UNKNOWN}).</li>
 *   <li>{@link IndeterminateException}: a write outside a session may or may not have been applied;
 *       read the key to find out, or use a {@link Session}.</li>
 *   <li>{@link SessionExpiredException}: the session's write may or may not have been applied; the
 *       session continues under a new id for later writes.</li>
 *   <li>{@link PermissionDeniedException}: auth is on and the user lacks a permission the request needs;
 *       never retried, not applied.</li>
 *   <li>{@link AuthenticationException}: auth is on and the credentials are missing or wrong; never retried,
 *       not applied (expired or outdated tokens are renewed transparently, once per call).</li>
 *   <li>{@link ServerErrorException}: the server answered with an error the client does not understand
 *       or does not retry (a bug on one side).</li>
 * </ul>
 */
public abstract sealed class RaftKvException extends RuntimeException
        permits InvalidArgumentException, UnavailableException, IndeterminateException, SessionExpiredException,
        ServerErrorException, NoSpaceException, PermissionDeniedException, AuthenticationException {
    private static final long serialVersionUID = 1L;

    /** What became of the request that failed. */
    public enum Outcome {
        /**
         * The request had no effect and never will: a read, or a write the cluster refused or never received
         * (every attempt was refused before the log, or never left this process). Retrying is safe.
         */
        NOT_APPLIED,
        /**
         * A write that may have been applied, or may still be: at most once (a session never applies a
         * sequence number twice, and the client does not resend a write outside a session once it may have
         * reached the log). Read the key to find out before writing it again.
         */
        UNKNOWN
    }

    private final Outcome outcome;

    RaftKvException(String message, Throwable cause, Outcome outcome) {
        super(message, cause);
        this.outcome = java.util.Objects.requireNonNull(outcome, "outcome");
    }

    /** What became of the request: {@link Outcome#NOT_APPLIED} or {@link Outcome#UNKNOWN}. */
    public Outcome outcome() {
        return outcome;
    }
}
