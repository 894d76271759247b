package io.raftkv.client;

/**
 * Base of every error the client reports. Unchecked: asynchronous calls complete exceptionally with one
 * of these, synchronous calls throw it.
 *
 * <p>The subclasses, and what to do about each:
 * <ul>
 *   <li>{@link InvalidArgumentException}: the request breaks a limit or a rule; never retried, fix it.</li>
 *   <li>{@link UnavailableException} (and {@link OverloadedException}): no node could serve the call
 *       within the retry budget and deadline; retrying later is safe for reads and session writes, and
 *       for writes outside a session because the client only reports this when nothing was applied.</li>
 *   <li>{@link IndeterminateException}: a write outside a session may or may not have been applied;
 *       read the key to find out, or use a {@link Session}.</li>
 *   <li>{@link SessionExpiredException}: the session's write may or may not have been applied; the
 *       session continues under a new id for later writes.</li>
 *   <li>{@link ServerErrorException}: the server answered with an error the client does not understand
 *       or does not retry (a bug on one side).</li>
 * </ul>
 */
public abstract sealed class RaftKvException extends RuntimeException
        permits InvalidArgumentException, UnavailableException, IndeterminateException, SessionExpiredException,
        ServerErrorException {
    private static final long serialVersionUID = 1L;

    RaftKvException(String message, Throwable cause) {
        super(message, cause);
    }
}
