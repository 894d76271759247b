package io.raftkv.client;

import io.grpc.Status;
import io.raftkv.proto.ErrorDetail;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;

/**
 * One failed attempt, classified by the retry table on {@code ErrorDetail} in kv.proto: the project's one
 * copy of that table ({@link CallFailure} is its public view).
 *
 * @param kind        what the retry loop should do
 * @param code        the server's error code, or UNKNOWN when the failure carried none (transport, deadline)
 * @param description a human-readable description for the error the caller may finally see
 * @param cause       the original exception, if any
 * @param detail      the server's error detail, if any
 * @param mayApply    whether the request may have been (or may still be) applied: false only when the
 *                    server or the transport guarantees it was not
 * @param unhealthy   whether this says the node is unreachable or broken (counts against its breaker)
 * @param dropLeader  whether the node that answered should no longer be taken for the leader
 * @param redirect    for NOT_LEADER: the leader's client address; empty otherwise
 */
record Failure(Kind kind, ErrorDetail.Code code, String description, Throwable cause, ErrorDetail detail, boolean mayApply,
               boolean unhealthy, boolean dropLeader, String redirect) {

    enum Kind {
        /** Back off (or follow the redirect) and try again, within the budget and the deadline. */
        RETRY,
        /** Never retried: the request is invalid. */
        INVALID,
        /** Never retried: the session is gone; the outcome is unknown. */
        SESSION_EXPIRED,
        /** Never retried: a NOSPACE alarm refused a write that adds data (not applied). */
        NO_SPACE,
        /** Never retried: the user lacks a permission (not applied). */
        PERMISSION_DENIED,
        /** Never retried: missing or wrong credentials (not applied). */
        UNAUTHENTICATED,
        /** Never retried: an answer outside the retry table. */
        SERVER_ERROR
    }

    boolean retryable() {
        return kind == Kind.RETRY;
    }

    /** No endpoint admitted a request (every breaker open): nothing was sent. */
    static Failure noEndpoint() {
        return new Failure(Kind.RETRY, ErrorDetail.Code.UNKNOWN, "no endpoint available (every circuit breaker is open)",
                null, null, false, false, false, "");
    }

    /**
     * Classifies an exception from a call made without an {@link AttemptTracer}: only a failed connect proves
     * the request never left this process.
     */
    static Failure classify(Throwable t) {
        return classify(t, true);
    }

    /**
     * Classifies an attempt's exception (a {@code StatusRuntimeException} from gRPC, or anything else).
     *
     * @param mayHaveLeft false when the attempt is known never to have reached a connected transport
     *                    ({@link AttemptTracer}): whatever the status, the request was not delivered
     */
    static Failure classify(Throwable t, boolean mayHaveLeft) {
        Status status = Status.fromThrowable(t);
        ErrorDetail d = CallFailure.detail(t).orElse(null);
        String description = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
        if (d != null && d.getCode() != ErrorDetail.Code.UNKNOWN && d.getCode() != ErrorDetail.Code.UNRECOGNIZED) {
            return fromDetail(d, description, t);
        }
        // A failed connect, or a call that never got a stream on a ready connection, never left this process;
        // anything else (a reset connection, a GOAWAY mid-call, a deadline in flight) may have delivered it.
        boolean left = mayHaveLeft && !connectFailed(t);
        if (!left) {
            description += " (never sent: no connection was ready)";
        }
        switch (status.getCode()) {
            case UNAVAILABLE:
                return new Failure(Kind.RETRY, ErrorDetail.Code.UNKNOWN, description, t, d, left, true, true, "");
            case DEADLINE_EXCEEDED:
                // No answer in time: the node may be down, paused or partitioned, or slow to commit.
                return new Failure(Kind.RETRY, ErrorDetail.Code.UNKNOWN, description, t, d, left, true, true, "");
            case CANCELLED:
                // Our own cancellations happen only in close(), which the caller checks first; any other
                // CANCELLED is a node resetting its streams as it shuts down or dies (RST_STREAM CANCEL):
                // like a reset connection, the request may have been delivered.
                return new Failure(Kind.RETRY, ErrorDetail.Code.UNKNOWN, description, t, d, left, true, true, "");
            case INVALID_ARGUMENT:
            case RESOURCE_EXHAUSTED:
                // Without our detail these come from gRPC itself (a message over its size cap): not applied.
                return new Failure(Kind.INVALID, ErrorDetail.Code.INVALID, description, t, d, false, false, false, "");
            default:
                return new Failure(Kind.SERVER_ERROR, ErrorDetail.Code.UNKNOWN, description, t, d, left, false, false, "");
        }
    }

    private static Failure fromDetail(ErrorDetail d, String description, Throwable t) {
        ErrorDetail.Code c = d.getCode();
        switch (c) {
            case NOT_LEADER:
                // Refused before proposing: never applied. Follow the redirect, or re-discover without one.
                return new Failure(Kind.RETRY, c, description, t, d, false, false, true, d.getLeaderAddress());
            case NO_LEADER:
                // No leader to propose to (election, transfer, shutdown, or our entry lost to another leader's).
                return new Failure(Kind.RETRY, c, description, t, d, false, false, true, "");
            case OVERLOADED:
                // Shed before proposing; the node is healthy and still leads.
            case NOT_READY:
                // A membership change refused until a precondition holds (a caught-up learner, active
                // voters, the previous change applied): not proposed; the leader is healthy.
                return new Failure(Kind.RETRY, c, description, t, d, false, false, false, "");
            case NO_QUORUM:
            case TIMEOUT:
                // Proposed but not known to commit: it may still. A deposed or partitioned leader answers
                // this way, so look for the leader afresh.
                return new Failure(Kind.RETRY, c, description, t, d, true, false, true, "");
            case STORAGE_FAILED:
                // The node's write path stopped (it needs an operator): try the others.
                return new Failure(Kind.RETRY, c, description, t, d, true, true, true, "");
            case INVALID:
                return new Failure(Kind.INVALID, c, description, t, d, false, false, false, "");
            case NO_SPACE:
                // Refused before proposing, and retrying helps only once an operator freed space.
                return new Failure(Kind.NO_SPACE, c, description, t, d, false, false, false, "");
            case SESSION_EXPIRED:
                return new Failure(Kind.SESSION_EXPIRED, c, description, t, d, true, false, false, "");
            case STALE_SEQUENCE:
                return new Failure(Kind.SERVER_ERROR, c, description, t, d, false, false, false, "");
            case PERMISSION_DENIED:
                return new Failure(Kind.PERMISSION_DENIED, c, description, t, d, false, false, false, "");
            case UNAUTHENTICATED:
                return new Failure(Kind.UNAUTHENTICATED, c, description, t, d, false, false, false, "");
            case AUTH_STALE:
                // An expired or outdated token, or a write checked before users and roles changed: refused
                // before (or at) apply, never applied. Retried with a renewed token (Call, once per call at once).
                return new Failure(Kind.RETRY, c, description, t, d, false, false, false, "");
            default:
                return new Failure(Kind.SERVER_ERROR, c, description, t, d, true, false, false, "");
        }
    }

    /** Whether the cause chain says the TCP connection could not be established (nothing was sent). */
    static boolean connectFailed(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ConnectException || c instanceof NoRouteToHostException || c instanceof UnknownHostException
                    || c instanceof UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }

    /** The TLS failure in the cause chain (a handshake the other end or this client refused), or null. */
    static javax.net.ssl.SSLException tlsFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof javax.net.ssl.SSLException ssl) {
                return ssl;
            }
        }
        return null;
    }

    /**
     * One line for an operator: {@code unreachable (<why>)} when no connection could be made, {@code TLS
     * handshake failed (<why>)} when one was made but TLS refused it (gRPC itself only says "ssl exception"),
     * else the description.
     */
    String brief() {
        if (cause != null && connectFailed(cause)) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return "unreachable (" + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()) + ")";
        }
        javax.net.ssl.SSLException tls = cause == null ? null : tlsFailure(cause);
        if (tls != null) {
            return "TLS handshake failed (" + (tls.getMessage() == null ? tls.getClass().getSimpleName() : tls.getMessage()) + ")";
        }
        return description;
    }

    @Override
    public String toString() {
        return description;
    }
}
