package io.raftkv.client;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.raftkv.proto.ErrorDetail;
import java.util.Optional;

/**
 * A failed gRPC call to a raftkv node, decoded by the retry table on {@code ErrorDetail} in kv.proto: the
 * decoder the client's own retry loop uses, public for programs that call the generated stubs directly (the
 * chaos harness does), so that one table and one decoder serve everybody.
 *
 * @param status        the gRPC status code
 * @param code          the error code by the table: the server's {@code ErrorDetail} code, {@code INVALID}
 *                      for a request gRPC itself refused as too large, {@code UNKNOWN} for transport failures
 *                      and deadlines, which carry none
 * @param description   the status and its description, for messages
 * @param leaderAddress for {@code NOT_LEADER}: the leader's client address when the node knows it; else empty
 * @param retryable     whether the client retries a read or a session write that failed this way
 * @param writeOutcome  what became of a write outside a session that failed this way: {@code NOT_APPLIED}
 *                      only when the server refused it before the log or the connection could not be made
 */
public record CallFailure(Status.Code status, ErrorDetail.Code code, String description, String leaderAddress,
                          boolean retryable, RaftKvException.Outcome writeOutcome) {
    /** The trailer every failed raftkv call carries its {@link ErrorDetail} in ({@code raftkv-error-bin}). */
    public static final Metadata.Key<ErrorDetail> DETAIL_KEY =
            Metadata.Key.of("raftkv-error-bin", ProtoUtils.metadataMarshaller(ErrorDetail.getDefaultInstance()));

    /** Decodes what a generated stub threw (a {@code StatusRuntimeException}; anything else is decoded too). */
    public static CallFailure decode(Throwable t) {
        Failure f = Failure.classify(t);
        return new CallFailure(Status.fromThrowable(t).getCode(), f.code(), f.description(), f.redirect(), f.retryable(),
                f.mayApply() ? RaftKvException.Outcome.UNKNOWN : RaftKvException.Outcome.NOT_APPLIED);
    }

    /** The server's error detail on a failed call, if it sent one. */
    public static Optional<ErrorDetail> detail(Throwable t) {
        Metadata trailers = Status.trailersFromThrowable(t);
        return trailers == null ? Optional.empty() : Optional.ofNullable(trailers.get(DETAIL_KEY));
    }

    /**
     * A short form for logs and histories: the status, then the code when there is one, or
     * {@code never-sent} for a transport failure that proves the request never left:
     * {@code FAILED_PRECONDITION/NOT_LEADER}, {@code DEADLINE_EXCEEDED}, {@code UNAVAILABLE/never-sent}.
     */
    public String summary() {
        if (code != ErrorDetail.Code.UNKNOWN) {
            return status + "/" + code;
        }
        return retryable && writeOutcome == RaftKvException.Outcome.NOT_APPLIED ? status + "/never-sent" : status.name();
    }
}
