package io.raftkv.chaos;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.raftkv.proto.ErrorDetail;
import java.net.ConnectException;
import java.util.Optional;

/**
 * Turns a failed call into FAIL or INFO, following the retry table in kv.proto. The rule that matters:
 * FAIL only when the request certainly had no effect; whenever a write may have been applied, INFO.
 * A read has no effect, so a failed read is always FAIL.
 */
final class Errors {
    static final Metadata.Key<ErrorDetail> DETAIL_KEY =
            Metadata.Key.of("raftkv-error-bin", ProtoUtils.metadataMarshaller(ErrorDetail.getDefaultInstance()));

    /** The classification of one failure, with the leader hint (if any) for the next attempt. */
    record Classified(Outcome outcome, String reason, String leaderAddress) {
    }

    private Errors() {
    }

    static Optional<ErrorDetail> detail(StatusRuntimeException e) {
        Metadata trailers = e.getTrailers();
        return trailers == null ? Optional.empty() : Optional.ofNullable(trailers.get(DETAIL_KEY));
    }

    static Classified classify(StatusRuntimeException e, boolean write) {
        Optional<ErrorDetail> d = detail(e);
        String reason = e.getStatus().getCode() + d.map(x -> "/" + x.getCode()).orElse("");
        String leader = d.map(ErrorDetail::getLeaderAddress).orElse("");
        if (!write) {
            return new Classified(Outcome.FAIL, reason, leader);
        }
        if (d.isPresent()) {
            return new Classified(writeOutcome(d.get().getCode()), reason, leader);
        }
        // No detail: the failure came from gRPC itself, not from the server's logic.
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.UNAVAILABLE && neverSent(e)) {
            return new Classified(Outcome.FAIL, reason + "/refused", leader);
        }
        // A client deadline, a connection lost with the request on the wire, anything else: unknown.
        return new Classified(Outcome.INFO, reason, leader);
    }

    /** The server's own verdict on a write, per the retry table. */
    static Outcome writeOutcome(ErrorDetail.Code code) {
        switch (code) {
            case NOT_LEADER:     // refused by a follower: never proposed
            case NO_LEADER:      // refused, or proposed and overwritten by another leader's entry: not applied
            case OVERLOADED:     // shed before it was proposed
            case NOT_READY:      // a membership precondition: refused before proposing
            case INVALID:        // rejected by validation
            case STALE_SEQUENCE: // a session duplicate, refused
                return Outcome.FAIL;
            default:
                // NO_QUORUM and TIMEOUT (may commit later), SESSION_EXPIRED (outcome unknown by the table),
                // STORAGE_FAILED and UNKNOWN (no promise either way).
                return Outcome.INFO;
        }
    }

    /**
     * Whether gRPC failed before the request could leave: the connection was refused (the node is down),
     * so the server never saw it. Anything else (a reset mid-call, a broken stream) may have delivered it.
     */
    static boolean neverSent(StatusRuntimeException e) {
        for (Throwable t = e.getStatus().getCause(); t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }
}
