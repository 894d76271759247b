package io.raftkv.client;

/**
 * The cluster has auth enabled and did not accept who the client says it is: no credentials were given
 * ({@link RaftKvClient.Builder#credentials}), the user name or password is wrong, or the token could not be
 * renewed. Never retried; the request was not applied ({@link Outcome#NOT_APPLIED}; {@link Outcome#UNKNOWN} only for a
 * session write an earlier attempt of which may have reached the log). An expired token, or one
 * from before a change of users and roles, is not this: the client renews it and retries by itself.
 */
public final class AuthenticationException extends RaftKvException {
    private static final long serialVersionUID = 1L;

    AuthenticationException(String message, Throwable cause, Outcome outcome) {
        super(message, cause, outcome);
    }
}
