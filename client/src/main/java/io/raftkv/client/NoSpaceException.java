package io.raftkv.client;

/**
 * A write that adds data was refused because the cluster has a NOSPACE alarm (error code {@code NO_SPACE},
 * gRPC {@code RESOURCE_EXHAUSTED}): a member's state is past its quota or its disk is nearly full. Refused
 * before proposing, so it was not applied ({@link #outcome()} is {@link Outcome#UNKNOWN} only for a session
 * write an earlier attempt of which may have reached the log).
 *
 * <p>Retry rule: not retried by the client; retrying helps only once space is freed (delete keys). Reads and
 * deletes keep working, and the alarm clears by itself once the member is back under its quota.
 */
public final class NoSpaceException extends RaftKvException {
    private static final long serialVersionUID = 1L;

    NoSpaceException(String message, Throwable cause, Outcome outcome) {
        super(message, cause, outcome);
    }
}
