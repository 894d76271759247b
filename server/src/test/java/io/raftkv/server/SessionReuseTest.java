package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.OpenSessionRequest;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.RangeOp;
import io.raftkv.proto.TxnOp;
import io.raftkv.proto.TxnRequest;
import io.raftkv.proto.WriteContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A session answers a repeated sequence number with the result it stored for it, whatever the new request is.
 * When that result does not fit the new request (a put "retrying" a transaction's sequence), the answer is a
 * typed client error naming the misuse, never an internal error whose text (and the node's ERROR log) carries
 * the stored result: the values a transaction read.
 */
class SessionReuseTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void aSequenceReusedByADifferentRequestIsRefusedWithoutEchoingTheStoredResult() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try (TestCluster c = new TestCluster(dir, 1, x -> x)) {
            long leader = c.awaitLeader();
            var kv = c.kv(leader);
            kv.put(PutRequest.newBuilder().setKey(AuthTest.b("a/secret")).setValue(AuthTest.b("s3-value")).build());
            long sid = kv.openSession(OpenSessionRequest.getDefaultInstance()).getSessionId();
            WriteContext seq1 = WriteContext.newBuilder().setSessionId(sid).setSequence(1).build();
            kv.txn(TxnRequest.newBuilder().setContext(seq1).addSuccess(TxnOp.newBuilder()
                    .setRange(RangeOp.newBuilder().setStartKey(AuthTest.b("a/")).setEndKey(AuthTest.b("a0")))).build());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> kv.put(PutRequest.newBuilder()
                    .setKey(AuthTest.b("b")).setValue(AuthTest.b("x")).setContext(seq1).build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.toString());
            assertEquals(ErrorDetail.Code.STALE_SEQUENCE, TestCluster.detail(e).getCode(), e.toString());
            assertFalse(e.getStatus().getDescription().contains("s3-value"), e.toString());
        } finally {
            root.detachAppender(logs);
        }
        for (ILoggingEvent l : logs.list) {
            assertFalse(l.getFormattedMessage().contains("s3-value") || (l.getThrowableProxy() != null
                    && l.getThrowableProxy().getMessage() != null && l.getThrowableProxy().getMessage().contains("s3-value")),
                    "a stored value in the log: " + l.getFormattedMessage());
        }
    }
}
