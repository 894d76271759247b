package io.raftkv.client;

/**
 * The cluster has auth enabled and the user lacks a permission the request needs (a key or range it may not
 * read or write, or an admin operation without the {@code root} role). The message names the user and the
 * missing permission, e.g. {@code user "alice" has no READ on [a/, b) (role "r" grants READ on prefix a/x/)}.
 * Never retried; the request was not applied ({@link Outcome#NOT_APPLIED}; {@link Outcome#UNKNOWN} only for a
 * session write an earlier attempt of which may have reached the log).
 */
public final class PermissionDeniedException extends RaftKvException {
    private static final long serialVersionUID = 1L;

    PermissionDeniedException(String message, Throwable cause, Outcome outcome) {
        super(message, cause, outcome);
    }
}
