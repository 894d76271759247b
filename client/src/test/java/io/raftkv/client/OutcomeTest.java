package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.raftkv.client.RaftKvException.Outcome;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.OpenSessionResponse;
import io.raftkv.proto.PutResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every failure says what became of the request ({@link RaftKvException#outcome()}): the same exception
 * type means "not applied" outside a session and "maybe applied, at most once" inside one, decided by
 * what the call's attempts saw, not by how the client was built.
 */
class OutcomeTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final OpenSessionResponse OPENED = OpenSessionResponse.newBuilder().setSessionId(7).setTtlMillis(60_000)
            .build();
    private static final PutResponse PUT_OK = PutResponse.newBuilder().setVersion(1).build();

    private final FakeTime time = new FakeTime();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private RaftKvClient client(FakeNode.Behaviour b, Scheduler scheduler, Duration requestTimeout) {
        FakeNode n = new FakeNode("outcome" + NAMES.incrementAndGet() + ":7000", b);
        closeables.add(n);
        RaftKvClient c = RaftKvClient.builder().endpoints(n.address).timeSource(time).random(new Random(7))
                .scheduler(scheduler).maxAttempts(4).requestTimeout(requestTimeout).circuitBreaker(100, Duration.ofSeconds(1))
                .channelFactory(a -> InProcessChannelBuilder.forName(a).directExecutor().build()).build();
        closeables.add(c);
        return c;
    }

    private RaftKvClient client(FakeNode.Behaviour b) {
        return client(b, new ManualScheduler(time), Duration.ofSeconds(5));
    }

    /** Opens sessions; every other request gets the failures in turn, the last one for good. */
    private static FakeNode.Behaviour sessionsThen(RuntimeException... failures) {
        AtomicInteger n = new AtomicInteger();
        return (method, req) -> {
            if (method.equals("openSession")) {
                return OPENED;
            }
            throw failures[Math.min(n.getAndIncrement(), failures.length - 1)];
        };
    }

    private static RuntimeException code(Status s, ErrorDetail.Code c) {
        return FakeNode.code(s, c);
    }

    @Test
    void refusalsLeaveEveryKindOfRequestNotApplied() {
        RaftKvClient c = client(sessionsThen(code(Status.UNAVAILABLE, ErrorDetail.Code.NO_LEADER)));
        assertEquals(Outcome.NOT_APPLIED, assertThrows(UnavailableException.class, () -> c.get("k")).outcome());
        assertEquals(Outcome.NOT_APPLIED, assertThrows(UnavailableException.class, () -> c.put("k", "v")).outcome());
        Session s = c.session();
        assertEquals(Outcome.NOT_APPLIED, assertThrows(UnavailableException.class, () -> s.put("k", "v")).outcome(),
                "no attempt of the session write reached the log");
    }

    @Test
    void aSessionWriteThatMayHaveReachedTheLogIsUnknownEvenIfLaterAttemptsWereRefused() {
        RaftKvClient c = client(sessionsThen(code(Status.DEADLINE_EXCEEDED, ErrorDetail.Code.TIMEOUT),
                code(Status.UNAVAILABLE, ErrorDetail.Code.NO_LEADER)));
        Session s = c.session();
        UnavailableException e = assertThrows(UnavailableException.class, () -> s.put("k", "v"));
        assertEquals(Outcome.UNKNOWN, e.outcome(), e.getMessage());
        assertTrue(e.getMessage().contains("at most once"), e.getMessage());
    }

    @Test
    void overloadedIsNotAppliedUnlessAnEarlierAttemptMayHaveBeen() {
        RaftKvClient plain = client(sessionsThen(code(Status.RESOURCE_EXHAUSTED, ErrorDetail.Code.OVERLOADED)));
        assertEquals(Outcome.NOT_APPLIED, assertThrows(OverloadedException.class, () -> plain.put("k", "v")).outcome());
        RaftKvClient c = client(sessionsThen(code(Status.UNAVAILABLE, ErrorDetail.Code.NO_QUORUM),
                code(Status.RESOURCE_EXHAUSTED, ErrorDetail.Code.OVERLOADED)));
        Session s = c.session();
        assertEquals(Outcome.UNKNOWN, assertThrows(OverloadedException.class, () -> s.put("k", "v")).outcome());
    }

    @Test
    void terminalAnswersCarryTheirOutcome() {
        RaftKvClient c = client(sessionsThen(code(Status.UNAVAILABLE, ErrorDetail.Code.NO_QUORUM)));
        assertEquals(Outcome.UNKNOWN, assertThrows(IndeterminateException.class, () -> c.put("k", "v")).outcome());

        RaftKvClient expired = client(sessionsThen(code(Status.NOT_FOUND, ErrorDetail.Code.SESSION_EXPIRED)));
        Session s = expired.session();
        assertEquals(Outcome.UNKNOWN, assertThrows(SessionExpiredException.class, () -> s.put("k", "v")).outcome());

        RaftKvClient invalid = client(sessionsThen(code(Status.INVALID_ARGUMENT, ErrorDetail.Code.INVALID)));
        assertEquals(Outcome.NOT_APPLIED, assertThrows(InvalidArgumentException.class, () -> invalid.put("k", "v"))
                .outcome());

        RaftKvClient stale = client(sessionsThen(code(Status.FAILED_PRECONDITION, ErrorDetail.Code.STALE_SEQUENCE)));
        Session s2 = stale.session();
        assertEquals(Outcome.NOT_APPLIED, assertThrows(ServerErrorException.class, () -> s2.put("k", "v")).outcome());

        RaftKvClient broken = client(sessionsThen(code(Status.DEADLINE_EXCEEDED, ErrorDetail.Code.TIMEOUT),
                Status.INTERNAL.withDescription("bug").asRuntimeException()));
        Session s3 = broken.session();
        assertEquals(Outcome.UNKNOWN, assertThrows(ServerErrorException.class, () -> s3.put("k", "v")).outcome(),
                "the first attempt may have been applied");
        assertEquals(Outcome.NOT_APPLIED, assertThrows(ServerErrorException.class, () -> broken.get("k")).outcome());
    }

    @Test
    void closingTheClientDuringABackoffKeepsWhatTheAttemptsSaw() throws Exception {
        HeldScheduler held = new HeldScheduler();
        // close() waits up to the request timeout (real time) for the session's parked write: short, but long
        // enough that the in-process calls never hit their gRPC deadline on a loaded machine.
        RaftKvClient c = client(sessionsThen(code(Status.DEADLINE_EXCEEDED, ErrorDetail.Code.TIMEOUT)), held,
                Duration.ofSeconds(1));
        Session s = c.session();
        CompletableFuture<PutResult> write = s.putAsync("k", "v");
        CompletableFuture<GetResult> read = c.getAsync("k");
        assertEquals(2, held.tasks.size(), "both calls wait for a retry after their first attempt timed out");
        c.close();
        UnavailableException w = unavailable(write);
        assertEquals(Outcome.UNKNOWN, w.outcome(), "the timed-out attempt may still commit: " + w.getMessage());
        assertEquals(Outcome.NOT_APPLIED, unavailable(read).outcome());
    }

    @Test
    void getAsyncTakesAStringKeyWithAConsistency() throws Exception {
        RaftKvClient c = client((m, r) -> io.raftkv.proto.GetResponse.newBuilder().setFound(true)
                .setKv(io.raftkv.proto.KeyValue.newBuilder().setValue(com.google.protobuf.ByteString.copyFromUtf8("v")))
                .build());
        assertEquals("v", c.getAsync("k", ReadConsistency.SERIALIZABLE).get(5, TimeUnit.SECONDS).valueUtf8().orElseThrow());
    }

    @Test
    void successesAreNotDisturbed() {
        RaftKvClient c = client((m, r) -> m.equals("openSession") ? OPENED : PUT_OK);
        assertEquals(1, c.session().put("k", "v").version());
    }

    private static UnavailableException unavailable(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        return assertInstanceOf(UnavailableException.class, e.getCause());
    }

    /** Keeps delayed work forever: a call that backs off stays parked until the client closes. */
    private static final class HeldScheduler implements Scheduler {
        final List<Runnable> tasks = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public Task schedule(Runnable task, long delayNanos) {
            tasks.add(task);
            return () -> tasks.remove(task);
        }

        @Override
        public Task scheduleEvery(Runnable task, long periodNanos) {
            return () -> { };
        }
    }
}
