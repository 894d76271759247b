package io.raftkv.client;

/**
 * No node served the call before the retry budget ({@code maxAttempts}) or the call's deadline
 * ({@code requestTimeout}) ran out: every endpoint down or its circuit breaker open, an election that
 * outlasted the budget, no quorum, or the client being closed. The cause is the last failure seen.
 *
 * <p>What was applied is {@link #outcome()}:
 * <ul>
 *   <li>reads: {@link Outcome#NOT_APPLIED}; retrying is safe;</li>
 *   <li>writes outside a session: {@link Outcome#NOT_APPLIED}; the client retries such a write only after
 *       failures that guarantee it was not applied, and reports {@link IndeterminateException} otherwise;</li>
 *   <li>writes in a {@link Session}: {@link Outcome#UNKNOWN}, <b>at most once</b>, when an attempt may have
 *       reached the log (it may still commit; the session never applies it a second time: read the key to
 *       learn the outcome); {@link Outcome#NOT_APPLIED} when no attempt did (every node refused it or
 *       could not be reached).</li>
 * </ul>
 */
public sealed class UnavailableException extends RaftKvException permits OverloadedException {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message, Throwable cause, Outcome outcome) {
        super(message, cause, outcome);
    }
}
