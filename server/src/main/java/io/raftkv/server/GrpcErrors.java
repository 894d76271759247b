package io.raftkv.server;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.raftkv.proto.ErrorDetail;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps failures to gRPC statuses plus the typed {@link ErrorDetail} trailer (retry table in kv.proto). */
final class GrpcErrors {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);
    static final Metadata.Key<ErrorDetail> DETAIL_KEY =
            Metadata.Key.of("raftkv-error-bin", ProtoUtils.metadataMarshaller(ErrorDetail.getDefaultInstance()));

    private GrpcErrors() {
    }

    static StatusRuntimeException toStatus(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof StatusRuntimeException sre) {
            return sre;
        }
        if (cause instanceof NodeException ne) {
            Metadata trailers = new Metadata();
            trailers.put(DETAIL_KEY, ne.detail);
            return statusOf(ne.detail.getCode()).withDescription(ne.getMessage()).asRuntimeException(trailers);
        }
        LOG.error("unexpected failure serving a request", cause);
        return Status.INTERNAL.withDescription("internal error: " + cause).asRuntimeException();
    }

    private static Status statusOf(ErrorDetail.Code code) {
        return switch (code) {
            case NOT_LEADER, STALE_SEQUENCE -> Status.FAILED_PRECONDITION;
            case NO_LEADER, NO_QUORUM, STORAGE_FAILED, NOT_READY -> Status.UNAVAILABLE;
            case TIMEOUT -> Status.DEADLINE_EXCEEDED;
            case OVERLOADED, NO_SPACE -> Status.RESOURCE_EXHAUSTED;
            case INVALID -> Status.INVALID_ARGUMENT;
            case SESSION_EXPIRED -> Status.NOT_FOUND;
            case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
            case UNAUTHENTICATED, AUTH_STALE -> Status.UNAUTHENTICATED;
            case UNKNOWN, UNRECOGNIZED -> Status.UNKNOWN;
        };
    }
}
