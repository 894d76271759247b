package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.ErrorDetail;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** The retry table of kv.proto as outcomes: FAIL only when the write certainly had no effect. */
class ErrorsTest {
    private static StatusRuntimeException error(Status status, ErrorDetail.Code code, String leader) {
        Metadata trailers = new Metadata();
        trailers.put(Errors.DETAIL_KEY, ErrorDetail.newBuilder().setCode(code).setLeaderAddress(leader).build());
        return status.asRuntimeException(trailers);
    }

    @Test
    void refusalsBeforeTheLogAreFailures() {
        Errors.Classified c = Errors.classify(error(Status.FAILED_PRECONDITION, ErrorDetail.Code.NOT_LEADER, "127.0.0.1:7"), true);
        assertEquals(Outcome.FAIL, c.outcome());
        assertEquals("127.0.0.1:7", c.leaderAddress());
        assertEquals(Outcome.FAIL, Errors.classify(error(Status.UNAVAILABLE, ErrorDetail.Code.NO_LEADER, ""), true).outcome());
        assertEquals(Outcome.FAIL, Errors.classify(error(Status.RESOURCE_EXHAUSTED, ErrorDetail.Code.OVERLOADED, ""), true)
                .outcome());
        assertEquals(Outcome.FAIL, Errors.classify(error(Status.INVALID_ARGUMENT, ErrorDetail.Code.INVALID, ""), true).outcome());
    }

    @Test
    void writesThatMayHaveAppliedAreIndeterminate() {
        assertEquals(Outcome.INFO, Errors.classify(error(Status.UNAVAILABLE, ErrorDetail.Code.NO_QUORUM, ""), true).outcome());
        assertEquals(Outcome.INFO, Errors.classify(error(Status.DEADLINE_EXCEEDED, ErrorDetail.Code.TIMEOUT, ""), true)
                .outcome());
        assertEquals(Outcome.INFO, Errors.classify(Status.DEADLINE_EXCEEDED.asRuntimeException(), true).outcome());
        assertEquals(Outcome.INFO, Errors.classify(Status.UNAVAILABLE.withDescription("connection reset")
                .asRuntimeException(), true).outcome());
        assertEquals(Outcome.INFO, Errors.classify(Status.INTERNAL.asRuntimeException(), true).outcome());
        assertEquals(Outcome.INFO, Errors.classify(error(Status.UNAVAILABLE, ErrorDetail.Code.STORAGE_FAILED, ""), true)
                .outcome());
    }

    @Test
    void aRefusedConnectionNeverSentTheWrite() {
        StatusRuntimeException refused = Status.UNAVAILABLE.withCause(new ConnectException("Connection refused"))
                .asRuntimeException();
        assertEquals(Outcome.FAIL, Errors.classify(refused, true).outcome());
    }

    @Test
    void failedReadsAreAlwaysFailures() {
        assertEquals(Outcome.FAIL, Errors.classify(Status.DEADLINE_EXCEEDED.asRuntimeException(), false).outcome());
        assertEquals(Outcome.FAIL, Errors.classify(error(Status.UNAVAILABLE, ErrorDetail.Code.NO_QUORUM, ""), false).outcome());
    }
}
