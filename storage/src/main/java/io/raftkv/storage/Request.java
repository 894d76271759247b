package io.raftkv.storage;

import java.util.Objects;

/**
 * What a normal log entry carries: a command, and for exactly-once writes the client's session id and
 * the request's sequence number in it (both 0 for a request outside any session). A retried request
 * (same session, same sequence) is answered from the session's stored result instead of running again.
 */
public record Request(long sessionId, long sequence, Command command, long authRevision, String user) {
    public Request(long sessionId, long sequence, Command command) {
        this(sessionId, sequence, command, 0, "");
    }

    public Request {
        if (authRevision < 0) {
            throw new IllegalArgumentException("auth revision must not be negative: " + authRevision);
        }
        user = user == null ? "" : user;
        if (!user.isEmpty()) {
            AuthState.checkName(user, "user");
        }
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

    /** The same request authorized at auth revision {@code revision}. */
    public Request withAuthRevision(long revision) {
        return new Request(sessionId, sequence, command, revision, user);
    }

    /** The same request authorized at auth revision {@code revision} for {@code user}. */
    public Request withAuth(long revision, String user) {
        return new Request(sessionId, sequence, command, revision, user);
    }

    /** Whether apply checks this request's auth revision: everything a client can send. */
    public boolean authChecked() {
        return command instanceof Command.Put || command instanceof Command.Delete || command instanceof Command.DeleteRange
                || command instanceof Command.Txn || command instanceof Command.OpenSession
                || command instanceof Command.KeepAlive || command instanceof Command.CloseSession
                || command instanceof Command.Auth;
    }
}
