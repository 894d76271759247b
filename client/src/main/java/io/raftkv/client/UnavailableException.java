package io.raftkv.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

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

    private final Map<String, String> endpointFailures;

    UnavailableException(String message, Throwable cause, Outcome outcome) {
        this(message, cause, outcome, Map.of());
    }

    UnavailableException(String message, Throwable cause, Outcome outcome, Map<String, String> endpointFailures) {
        super(message, cause, outcome);
        this.endpointFailures = Collections.unmodifiableMap(new LinkedHashMap<>(endpointFailures));
    }

    /**
     * The last failure at each endpoint the call tried, in the order they were first tried, for telling an
     * operator what is wrong where: {@code "unreachable (Connection refused: /127.0.0.1:8001)"},
     * {@code "FAILED_PRECONDITION: node 3 was removed from the cluster ..."}. Empty when no attempt reached
     * an endpoint (the client was closed, or the caller stopped waiting).
     */
    public Map<String, String> endpointFailures() {
        return endpointFailures;
    }
}
