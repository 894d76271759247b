package io.raftkv.storage;

import java.util.Objects;

/**
 * What a normal log entry carries: a command, and for exactly-once writes the client's session id and
 * the request's sequence number in it (both 0 for a request outside any session). A retried request
 * (same session, same sequence) is answered from the session's stored result instead of running again.
 */
public record Request(long sessionId, long sequence, Command command) {
    public Request {
        Objects.requireNonNull(command, "command");
        if (sessionId < 0 || sequence < 0 || (sessionId == 0) != (sequence == 0)) {
            throw new IllegalArgumentException("session " + sessionId + " / sequence " + sequence
                    + ": both must be positive, or both 0 outside a session");
        }
    }

    public static Request of(Command command) {
        return new Request(0, 0, command);
    }

    public static Request inSession(long sessionId, long sequence, Command command) {
        return new Request(sessionId, sequence, command);
    }
}
