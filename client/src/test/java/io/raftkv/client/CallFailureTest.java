package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftkv.client.RaftKvException.Outcome;
import io.raftkv.proto.ErrorDetail;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** The public view of the retry table, for callers of the raw stubs: the same answers the retry loop acts on. */
class CallFailureTest {
    private static CallFailure decode(Status s, ErrorDetail.Code c) {
        return CallFailure.decode(FakeNode.code(s, c));
    }

    @Test
    void refusalsBeforeTheLogAreNotApplied() {
        CallFailure redirect = CallFailure.decode(FakeNode.notLeader("127.0.0.1:7"));
        assertEquals(ErrorDetail.Code.NOT_LEADER, redirect.code());
        assertEquals("127.0.0.1:7", redirect.leaderAddress());
        assertEquals(Outcome.NOT_APPLIED, redirect.writeOutcome());
        assertEquals("FAILED_PRECONDITION/NOT_LEADER", redirect.summary());
        for (ErrorDetail.Code c : new ErrorDetail.Code[] {ErrorDetail.Code.NO_LEADER, ErrorDetail.Code.OVERLOADED,
                ErrorDetail.Code.NOT_READY, ErrorDetail.Code.INVALID, ErrorDetail.Code.STALE_SEQUENCE}) {
            assertEquals(Outcome.NOT_APPLIED, decode(Status.UNAVAILABLE, c).writeOutcome(), c.name());
        }
    }

    /** Issue 14: a write refused by a NOSPACE alarm was not applied, and retrying it now would not help. */
    @Test
    void aNoSpaceRefusalIsNotAppliedAndNotRetried() {
        CallFailure f = decode(Status.RESOURCE_EXHAUSTED, ErrorDetail.Code.NO_SPACE);
        assertEquals(ErrorDetail.Code.NO_SPACE, f.code());
        assertEquals(Outcome.NOT_APPLIED, f.writeOutcome());
        assertFalse(f.retryable());
    }

    /** Issue 13: auth refusals were not applied; only a stale token is retried (after renewing it). */
    @Test
    void authRefusalsAreNotAppliedAndOnlyAStaleTokenIsRetried() {
        CallFailure denied = decode(Status.PERMISSION_DENIED, ErrorDetail.Code.PERMISSION_DENIED);
        assertEquals(Outcome.NOT_APPLIED, denied.writeOutcome());
        assertFalse(denied.retryable());
        assertEquals("PERMISSION_DENIED/PERMISSION_DENIED", denied.summary());
        CallFailure unauthenticated = decode(Status.UNAUTHENTICATED, ErrorDetail.Code.UNAUTHENTICATED);
        assertEquals(Outcome.NOT_APPLIED, unauthenticated.writeOutcome());
        assertFalse(unauthenticated.retryable());
        CallFailure stale = decode(Status.UNAUTHENTICATED, ErrorDetail.Code.AUTH_STALE);
        assertEquals(Outcome.NOT_APPLIED, stale.writeOutcome());
        assertTrue(stale.retryable());
    }

    @Test
    void writesThatMayHaveReachedTheLogAreUnknown() {
        for (ErrorDetail.Code c : new ErrorDetail.Code[] {ErrorDetail.Code.NO_QUORUM, ErrorDetail.Code.TIMEOUT,
                ErrorDetail.Code.STORAGE_FAILED, ErrorDetail.Code.SESSION_EXPIRED}) {
            assertEquals(Outcome.UNKNOWN, decode(Status.UNAVAILABLE, c).writeOutcome(), c.name());
        }
        CallFailure deadline = CallFailure.decode(Status.DEADLINE_EXCEEDED.asRuntimeException());
        assertEquals(Outcome.UNKNOWN, deadline.writeOutcome());
        assertTrue(deadline.retryable());
        assertEquals("DEADLINE_EXCEEDED", deadline.summary());
        assertEquals(Outcome.UNKNOWN, CallFailure.decode(Status.UNAVAILABLE.withDescription("connection reset")
                .asRuntimeException()).writeOutcome());
        CallFailure internal = CallFailure.decode(Status.INTERNAL.asRuntimeException());
        assertEquals(Outcome.UNKNOWN, internal.writeOutcome());
        assertFalse(internal.retryable());
    }

    @Test
    void aRefusedConnectionNeverSentTheRequest() {
        StatusRuntimeException refused = Status.UNAVAILABLE.withCause(new ConnectException("Connection refused"))
                .asRuntimeException();
        CallFailure f = CallFailure.decode(refused);
        assertEquals(Outcome.NOT_APPLIED, f.writeOutcome());
        assertEquals("UNAVAILABLE/never-sent", f.summary());
        assertEquals(Status.Code.UNAVAILABLE, f.status());
        assertEquals(ErrorDetail.Code.UNKNOWN, f.code());
    }

    @Test
    void theDetailIsReadFromTheTrailer() {
        assertEquals(ErrorDetail.Code.TIMEOUT, CallFailure.detail(FakeNode.code(Status.DEADLINE_EXCEEDED,
                ErrorDetail.Code.TIMEOUT)).orElseThrow().getCode());
        assertTrue(CallFailure.detail(new IllegalStateException("not grpc")).isEmpty());
    }
}
