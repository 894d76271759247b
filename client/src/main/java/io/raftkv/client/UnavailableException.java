package io.raftkv.client;

/**
 * No node served the call before the retry budget ({@code maxAttempts}) or the call's deadline
 * ({@code requestTimeout}) ran out: every endpoint down or its circuit breaker open, an election that
 * outlasted the budget, no quorum, or the client being closed. The cause is the last failure seen.
 *
 * <p>What was applied:
 * <ul>
 *   <li>reads: nothing to apply; retrying is safe;</li>
 *   <li>writes outside a session: <b>nothing</b>; the client retries such a write only after failures that
 *       guarantee it was not applied, and reports {@link IndeterminateException} otherwise;</li>
 *   <li>writes in a {@link Session}: <b>at most once</b>. The last attempt may still commit; the session
 *       will never apply it a second time. Read the key to learn the outcome.</li>
 * </ul>
 */
public sealed class UnavailableException extends RaftKvException permits OverloadedException {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
