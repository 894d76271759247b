package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftkv.client.CallFailure;
import io.raftkv.proto.ErrorDetail;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/**
 * The client library's retry table as Jepsen outcomes: FAIL only when the write certainly had no effect.
 * (The table itself is tested in the client; this checks the mapping and that the harness uses it.)
 */
class ErrorsTest {
    private static StatusRuntimeException error(Status status, ErrorDetail.Code code, String leader) {
        Metadata trailers = new Metadata();
        trailers.put(CallFailure.DETAIL_KEY, ErrorDetail.newBuilder().setCode(code).setLeaderAddress(leader).build());
        return status.asRuntimeException(trailers);
    }

    @Test
    void refusalsBeforeTheLogAreFailures() {
        Errors.Classified c = Errors.fromStub(error(Status.FAILED_PRECONDITION, ErrorDetail.Code.NOT_LEADER, "127.0.0.1:7"), true);
        assertEquals(Outcome.FAIL, c.outcome());
        assertEquals("127.0.0.1:7", c.leaderAddress());
        assertEquals("FAILED_PRECONDITION/NOT_LEADER", c.reason(), "the report finds redirects by this code");
        assertEquals(Outcome.FAIL, Errors.fromStub(error(Status.UNAVAILABLE, ErrorDetail.Code.NO_LEADER, ""), true).outcome());
        assertEquals(Outcome.FAIL, Errors.fromStub(error(Status.RESOURCE_EXHAUSTED, ErrorDetail.Code.OVERLOADED, ""), true)
                .outcome());
        assertEquals(Outcome.FAIL, Errors.fromStub(error(Status.INVALID_ARGUMENT, ErrorDetail.Code.INVALID, ""), true).outcome());
    }

    @Test
    void writesThatMayHaveAppliedAreIndeterminate() {
        assertEquals(Outcome.INFO, Errors.fromStub(error(Status.UNAVAILABLE, ErrorDetail.Code.NO_QUORUM, ""), true).outcome());
        assertEquals(Outcome.INFO, Errors.fromStub(error(Status.DEADLINE_EXCEEDED, ErrorDetail.Code.TIMEOUT, ""), true)
                .outcome());
        assertEquals(Outcome.INFO, Errors.fromStub(Status.DEADLINE_EXCEEDED.asRuntimeException(), true).outcome());
        assertEquals(Outcome.INFO, Errors.fromStub(Status.UNAVAILABLE.withDescription("connection reset")
                .asRuntimeException(), true).outcome());
        assertEquals(Outcome.INFO, Errors.fromStub(Status.INTERNAL.asRuntimeException(), true).outcome());
        assertEquals(Outcome.INFO, Errors.fromStub(error(Status.UNAVAILABLE, ErrorDetail.Code.STORAGE_FAILED, ""), true)
                .outcome());
    }

    @Test
    void aRefusedConnectionNeverSentTheWrite() {
        StatusRuntimeException refused = Status.UNAVAILABLE.withCause(new ConnectException("Connection refused"))
                .asRuntimeException();
        Errors.Classified c = Errors.fromStub(refused, true);
        assertEquals(Outcome.FAIL, c.outcome());
        assertEquals("UNAVAILABLE/never-sent", c.reason());
    }

    @Test
    void failedReadsAreAlwaysFailures() {
        assertEquals(Outcome.FAIL, Errors.fromStub(Status.DEADLINE_EXCEEDED.asRuntimeException(), false).outcome());
        assertEquals(Outcome.FAIL, Errors.fromStub(error(Status.UNAVAILABLE, ErrorDetail.Code.NO_QUORUM, ""), false).outcome());
    }
}
