package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.KeyValue;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.ResponseHeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retry rules, redirects, backoff timing and deadlines against scripted in-process nodes and a fake clock. */
class RetryBehaviourTest {
    private static final long MS = 1_000_000L;
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final FakeTime time = new FakeTime();
    private final ManualScheduler scheduler = new ManualScheduler(time);
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private FakeNode node(FakeNode.Behaviour b) {
        FakeNode n = new FakeNode("fake" + NAMES.incrementAndGet() + ":7000", b);
        closeables.add(n);
        return n;
    }

    private RaftKvClient.Builder builder(FakeNode... nodes) {
        List<String> addrs = new ArrayList<>();
        for (FakeNode n : nodes) {
            addrs.add(n.address);
        }
        return RaftKvClient.builder().endpoints(addrs).timeSource(time).random(new Random(42)).scheduler(scheduler)
                .backoff(Duration.ofMillis(10), Duration.ofMillis(80))
                .channelFactory(a -> InProcessChannelBuilder.forName(a).directExecutor().build());
    }

    private RaftKvClient client(RaftKvClient.Builder b) {
        RaftKvClient c = b.build();
        closeables.add(c);
        return c;
    }

    private static PutResponse putOk(long version) {
        return PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setMemberId(1).setIndex(10 + version))
                .setVersion(version).setModIndex(10 + version).build();
    }

    private static GetResponse getOk(String value) {
        return GetResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setMemberId(1).setIndex(5)).setFound(true)
                .setKv(KeyValue.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k"))
                        .setValue(com.google.protobuf.ByteString.copyFromUtf8(value)).setVersion(1)).build();
    }

    /** Fails the first {@code failures.length} requests with the given errors, then answers {@code ok}. */
    private static FakeNode.Behaviour failThen(Message ok, RuntimeException... failures) {
        AtomicInteger n = new AtomicInteger();
        return (method, req) -> {
            int i = n.getAndIncrement();
            if (i < failures.length) {
                throw failures[i];
            }
            return ok;
        };
    }

    @Test
    void followsNotLeaderRedirectAndCachesTheLeader() {
        FakeNode leader = node((m, r) -> putOk(1));
        FakeNode follower = node((m, r) -> {
            throw FakeNode.notLeader(leader.address);
        });
        RaftKvClient c = client(builder(follower));
        assertEquals(1, c.put("k", "v").version());
        assertEquals(1, follower.count("put"));
        assertEquals(1, leader.count("put"));
        assertEquals(List.of(0L), scheduler.delays, "a redirect is followed at once, without backoff");
        assertTrue(c.knownEndpoints().contains(leader.address), "the leader's address was learned");

        c.put("k", "v2");
        assertEquals(1, follower.count("put"), "the cached leader is used directly");
        assertEquals(2, leader.count("put"));
    }

    @Test
    void backoffDelaysAreFullJitterBoundedAndReproducible() {
        FakeNode n = node((m, r) -> {
            throw FakeNode.code(Status.UNAVAILABLE, ErrorDetail.Code.NO_LEADER);
        });
        RaftKvClient c = client(builder(n).maxAttempts(8).requestTimeout(Duration.ofMinutes(1)));
        long start = time.nanoTime();
        UnavailableException e = assertThrows(UnavailableException.class, () -> c.get("k"));
        assertTrue(e.getMessage().contains("8 attempts"), e.getMessage());
        assertEquals(8, n.count("get"));
        assertEquals(7, scheduler.delays.size());
        Backoff expected = new Backoff(10 * MS, 80 * MS, new Random(42));
        long total = 0;
        for (int i = 0; i < 7; i++) {
            long d = scheduler.delays.get(i);
            long ceiling = Math.min(80 * MS, (10 * MS) << i);
            assertTrue(d >= 0 && d <= ceiling, "retry " + i + ": delay " + d + " outside [0, " + ceiling + "]");
            assertEquals(expected.delayNanos(i), d, "seeded jitter is reproducible");
            total += d;
        }
        assertEquals(total, time.nanoTime() - start, "the only time that passed is the backoff");
    }

    @Test
    void retryBudgetIsBoundedByTheDeadline() {
        FakeNode n = node((m, r) -> {
            throw FakeNode.code(Status.UNAVAILABLE, ErrorDetail.Code.NO_LEADER);
        });
        // Backoff ceilings of 1 s against a 100 ms deadline: the loop stops rather than sleep past it.
        RaftKvClient c = client(builder(n).maxAttempts(100).backoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                .requestTimeout(Duration.ofMillis(100)));
        long start = time.nanoTime();
        UnavailableException e = assertThrows(UnavailableException.class, () -> c.get("k"));
        assertTrue(e.getMessage().contains("deadline"), e.getMessage());
        assertTrue(time.nanoTime() - start < 100 * MS, "never waits past the deadline");
        assertTrue(n.count("get") < 100);
    }

    @Test
    void overloadedUntilTheBudgetRunsOutIsOverloadedException() {
        FakeNode n = node((m, r) -> {
            throw FakeNode.code(Status.RESOURCE_EXHAUSTED, ErrorDetail.Code.OVERLOADED);
        });
        RaftKvClient c = client(builder(n).maxAttempts(3));
        OverloadedException e = assertThrows(OverloadedException.class, () -> c.put("k", "v"));
        assertInstanceOf(UnavailableException.class, e);
        assertEquals(3, n.count("put"), "shed requests were not applied: an unsafe write may be retried");
    }

    @Test
    void writeOutsideASessionIsNotRetriedWhenItMayHaveApplied() {
        for (ErrorDetail.Code code : List.of(ErrorDetail.Code.TIMEOUT, ErrorDetail.Code.NO_QUORUM,
                ErrorDetail.Code.STORAGE_FAILED)) {
            Status s = code == ErrorDetail.Code.TIMEOUT ? Status.DEADLINE_EXCEEDED : Status.UNAVAILABLE;
            FakeNode n = node(failThen(putOk(1), FakeNode.code(s, code)));
            RaftKvClient c = client(builder(n));
            IndeterminateException e = assertThrows(IndeterminateException.class, () -> c.put("k", "v"), code.name());
            assertTrue(e.getMessage().contains(code.name()), e.getMessage());
            assertEquals(1, n.count("put"), code + ": no blind retry");
        }
        // A dropped connection (no raftkv detail, not a connect failure) may have delivered the request.
        FakeNode n = node(failThen(putOk(1), Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException()));
        assertThrows(IndeterminateException.class, () -> client(builder(n)).put("k", "v"));
        assertEquals(1, n.count("put"));
    }

    @Test
    void writeOutsideASessionIsRetriedWhenCertainlyNotApplied() {
        FakeNode n = node(failThen(putOk(1), FakeNode.code(Status.UNAVAILABLE, ErrorDetail.Code.NO_LEADER),
                FakeNode.code(Status.RESOURCE_EXHAUSTED, ErrorDetail.Code.OVERLOADED)));
        RaftKvClient c = client(builder(n));
        assertEquals(1, c.put("k", "v").version());
        assertEquals(3, n.count("put"));
        assertEquals(2, scheduler.delays.size());
    }

    @Test
    void readsRetryEveryRetryableFailure() {
        FakeNode n = node(failThen(getOk("v"), FakeNode.code(Status.DEADLINE_EXCEEDED, ErrorDetail.Code.TIMEOUT),
                FakeNode.code(Status.UNAVAILABLE, ErrorDetail.Code.NO_QUORUM),
                Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException()));
        RaftKvClient c = client(builder(n).circuitBreaker(10, Duration.ofSeconds(1)));
        assertEquals("v", c.get("k").valueUtf8().orElseThrow());
        assertEquals(4, n.count("get"));
    }

    @Test
    void invalidArgumentIsNeverRetriedAndNamesTheLimit() {
        FakeNode n = node((m, r) -> {
            throw FakeNode.error(Status.INVALID_ARGUMENT, ErrorDetail.newBuilder().setCode(ErrorDetail.Code.INVALID)
                    .setLimitName("max-key-bytes").setLimit(4096).setActual(5000).build());
        });
        RaftKvClient c = client(builder(n));
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> c.get("k"));
        assertEquals("max-key-bytes", e.limitName());
        assertEquals(4096, e.limit());
        assertEquals(5000, e.actual());
        assertEquals(1, n.count("get"));
        assertTrue(scheduler.delays.isEmpty());
    }

    @Test
    void deadlinesPropagateAndNeverExceedTheCallsRemainingTime() {
        FakeNode silent = node((m, r) -> null); // never answers
        RaftKvClient c = client(builder(silent).attemptTimeout(Duration.ofMillis(150)).requestTimeout(Duration.ofSeconds(30))
                .maxAttempts(2).circuitBreaker(10, Duration.ofSeconds(1)));
        assertThrows(UnavailableException.class, () -> c.get("k"));
        assertEquals(2, silent.count("get"), "a read that timed out is retried");
        for (FakeNode.Received r : silent.of("get")) {
            assertNotNull(r.deadlineNanos(), "every attempt carries a deadline");
            assertTrue(r.deadlineNanos() > 0 && r.deadlineNanos() <= 150 * MS, "attempt deadline " + r.deadlineNanos());
        }

        // When less time remains than an attempt may take, the attempt gets only the remaining time.
        FakeNode silent2 = node((m, r) -> null);
        RaftKvClient c2 = client(builder(silent2).attemptTimeout(Duration.ofSeconds(30)).requestTimeout(Duration.ofMillis(120))
                .maxAttempts(1));
        assertThrows(UnavailableException.class, () -> c2.get("k"));
        long seen = silent2.of("get").get(0).deadlineNanos();
        assertTrue(seen > 0 && seen <= 120 * MS, "server saw " + seen + " ns");

        // A write outside a session cannot be retried once sent, so it gets the call's whole remaining time,
        // and when that expires in flight the write may have been applied.
        FakeNode silent3 = node((m, r) -> null);
        RaftKvClient c3 = client(builder(silent3).attemptTimeout(Duration.ofMillis(50)).requestTimeout(Duration.ofMillis(300)));
        assertThrows(IndeterminateException.class, () -> c3.put("k", "v"));
        assertEquals(1, silent3.count("put"));
        long writeDeadline = silent3.of("put").get(0).deadlineNanos();
        assertTrue(writeDeadline > 50 * MS && writeDeadline <= 300 * MS, "server saw " + writeDeadline + " ns");
    }

    @Test
    void notLeaderWithoutAnAddressBacksOffAndTriesAnotherNode() {
        FakeNode confused = node((m, r) -> {
            throw FakeNode.notLeader("");
        });
        FakeNode leader = node((m, r) -> putOk(3));
        RaftKvClient c = client(builder(confused, leader));
        assertEquals(3, c.put("k", "v").version());
        assertEquals(1, leader.count("put"));
    }

    @Test
    void redirectToANodeThatJustFailedIsNotFollowed() {
        // The old leader is dead; the follower still names it: the client must not bounce between them.
        FakeNode dead = node((m, r) -> {
            throw Status.UNAVAILABLE.withDescription("connection refused").asRuntimeException();
        });
        FakeNode follower = node(failThen(getOk("v"), FakeNode.notLeader(dead.address), FakeNode.notLeader(dead.address)));
        RaftKvClient c = client(builder(dead, follower).circuitBreaker(10, Duration.ofSeconds(1)));
        assertEquals("v", c.get("k").valueUtf8().orElseThrow());
        assertEquals(1, dead.count("get"), "the dead node was tried once, then its redirects ignored");
    }

    @Test
    void aLeaderWhoseConnectionDroppedOnceIsTrustedAgainAfterTheBreakersOpenPeriod() {
        // Found by the chaos counter workload: the leader's answer was lost (a dropped connection), every
        // follower named it, and the call ignored their redirects until its budget ran out.
        FakeNode leader = node(failThen(getOk("v"), Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException()));
        FakeNode follower = node((m, r) -> {
            throw FakeNode.notLeader(leader.address);
        });
        RaftKvClient c = client(builder(leader, follower).circuitBreaker(10, Duration.ofMillis(100)).maxAttempts(10));
        assertEquals("v", c.get("k").valueUtf8().orElseThrow());
        assertEquals(2, leader.count("get"), "back to the leader once it failed more than an open period ago");
        assertTrue(time.nanoTime() - 1_000_000_000L >= 100 * MS, "not before that period");
    }

    @Test
    void serializableReadsRotateOverHealthyNodesAndSkipOpenBreakers() {
        FakeNode a = node((m, r) -> getOk("a"));
        FakeNode b = node((m, r) -> getOk("b"));
        FakeNode n3 = node((m, r) -> getOk("c"));
        RaftKvClient c = client(builder(a, b, n3).circuitBreaker(2, Duration.ofSeconds(5)));
        for (int i = 0; i < 6; i++) {
            c.get("k", ReadConsistency.SERIALIZABLE);
        }
        assertEquals(List.of(2L, 2L, 2L), List.of(a.count("get"), b.count("get"), n3.count("get")));

        a.behaviour = (m, r) -> {
            throw Status.UNAVAILABLE.withDescription("down").asRuntimeException();
        };
        for (int i = 0; i < 12; i++) {
            c.get("k", ReadConsistency.SERIALIZABLE); // each failed attempt on `a` is retried elsewhere
        }
        assertEquals(4, a.count("get"), "two failures open a's breaker; then it gets no traffic");
        assertEquals(6 + 12 + 2, a.count("get") + b.count("get") + n3.count("get"), "12 reads, 2 of them retried once");

        time.advance(Duration.ofSeconds(5));
        a.behaviour = (m, r) -> getOk("a");
        for (int i = 0; i < 6; i++) {
            c.get("k", ReadConsistency.SERIALIZABLE);
        }
        assertTrue(a.count("get") >= 6, "after the open period a probe succeeded and a is back in rotation");
    }

    @Test
    void allBreakersOpenFailsFastWithoutTouchingTheNetwork() {
        FakeNode a = node((m, r) -> {
            throw Status.UNAVAILABLE.withDescription("down").asRuntimeException();
        });
        FakeNode b = node(a.behaviour);
        RaftKvClient c = client(builder(a, b).circuitBreaker(1, Duration.ofSeconds(10)).maxAttempts(6));
        UnavailableException e = assertThrows(UnavailableException.class, () -> c.get("k"));
        assertTrue(e.getMessage().contains("6 attempts"), e.getMessage());
        assertEquals(1, a.count("get"));
        assertEquals(1, b.count("get"));
        assertThrows(UnavailableException.class, () -> c.get("k"));
        assertEquals(2, a.count("get") + b.count("get"), "open breakers refuse locally");
    }

    @Test
    void sessionWriteRetriesWithTheSameSequenceAndGetsTheOriginalResult() {
        io.raftkv.proto.OpenSessionResponse opened = io.raftkv.proto.OpenSessionResponse.newBuilder().setSessionId(7)
                .setTtlMillis(60_000).build();
        AtomicInteger puts = new AtomicInteger();
        FakeNode n = node((m, r) -> {
            if (m.equals("openSession")) {
                return opened;
            }
            if (puts.getAndIncrement() == 0) {
                throw FakeNode.code(Status.DEADLINE_EXCEEDED, ErrorDetail.Code.TIMEOUT);
            }
            return putOk(1);
        });
        RaftKvClient c = client(builder(n));
        try (Session s = c.session()) {
            assertEquals(7, s.id());
            assertEquals(1, s.put("k", "v").version());
            s.put("k", "v2");
        }
        List<FakeNode.Received> p = n.of("put");
        assertEquals(3, p.size());
        assertEquals(List.of(1L, 1L, 2L), p.stream().map(x -> ((PutRequest) x.request()).getContext().getSequence()).toList(),
                "the retry reuses sequence 1; the next write uses 2");
        assertTrue(p.stream().allMatch(x -> ((PutRequest) x.request()).getContext().getSessionId() == 7));
    }

    @Test
    void expiredSessionFailsTheWriteAndTheNextWriteOpensANewSession() {
        AtomicInteger ids = new AtomicInteger(10);
        FakeNode n = node((m, r) -> {
            if (m.equals("openSession")) {
                return io.raftkv.proto.OpenSessionResponse.newBuilder().setSessionId(ids.incrementAndGet())
                        .setTtlMillis(60_000).build();
            }
            if (m.equals("put") && ((PutRequest) r).getContext().getSessionId() == 11) {
                throw FakeNode.code(Status.NOT_FOUND, ErrorDetail.Code.SESSION_EXPIRED);
            }
            return putOk(1);
        });
        RaftKvClient c = client(builder(n));
        Session s = c.session();
        SessionExpiredException e = assertThrows(SessionExpiredException.class, () -> s.put("k", "v"));
        assertEquals(11, e.sessionId());
        assertEquals(1, n.count("put"), "not retried: the outcome is unknown");
        assertEquals(0, s.id());
        s.put("k", "v");
        assertEquals(12, s.id());
        PutRequest last = (PutRequest) n.of("put").get(1).request();
        assertEquals(12, last.getContext().getSessionId());
        assertEquals(1, last.getContext().getSequence());
    }

    @Test
    void idleSessionsAreKeptAlive() {
        FakeNode n = node((m, r) -> {
            if (m.equals("openSession")) {
                return io.raftkv.proto.OpenSessionResponse.newBuilder().setSessionId(5).setTtlMillis(3000).build();
            }
            if (m.equals("keepAlive")) {
                return io.raftkv.proto.KeepAliveResponse.getDefaultInstance();
            }
            return putOk(1);
        });
        RaftKvClient c = client(builder(n).sessionTtl(Duration.ofSeconds(3)));
        Session s = c.session();
        scheduler.firePeriodic();
        assertEquals(0, n.count("keepAlive"), "not idle yet");
        time.advance(Duration.ofSeconds(1));
        scheduler.firePeriodic();
        assertEquals(1, n.count("keepAlive"));
        s.put("k", "v");
        time.advance(Duration.ofMillis(500));
        scheduler.firePeriodic();
        assertEquals(1, n.count("keepAlive"), "a write counts as activity");
        s.close();
        assertTrue(scheduler.periodic.isEmpty(), "closing the session stops its keep-alive");
    }

    @Test
    void exactlyOnceClientRoutesItsWritesThroughASession() {
        FakeNode n = node((m, r) -> m.equals("openSession")
                ? io.raftkv.proto.OpenSessionResponse.newBuilder().setSessionId(9).setTtlMillis(60_000).build()
                : putOk(1));
        RaftKvClient c = client(builder(n).exactlyOnce(true));
        c.put("a", "1");
        c.put("b", "2");
        assertEquals(1, n.count("openSession"));
        assertEquals(List.of(1L, 2L), n.of("put").stream()
                .map(x -> ((PutRequest) x.request()).getContext().getSequence()).toList());
        assertFalse(n.of("put").stream().anyMatch(x -> ((PutRequest) x.request()).getContext().getSessionId() != 9));
    }

    @Test
    void nodesNamingEachOtherAsLeaderDoNotBurnTheBudgetWithoutBackoff() {
        FakeNode[] pair = new FakeNode[2];
        pair[0] = node((m, r) -> {
            throw FakeNode.notLeader(pair[1].address);
        });
        pair[1] = node((m, r) -> {
            throw FakeNode.notLeader(pair[0].address);
        });
        RaftKvClient c = client(builder(pair[0], pair[1]).maxAttempts(9));
        assertThrows(UnavailableException.class, () -> c.put("k", "v"));
        assertEquals(9, pair[0].count("put") + pair[1].count("put"));
        long immediate = scheduler.delays.stream().filter(d -> d == 0).count();
        assertTrue(immediate <= 4, "after two immediate redirects in a row the loop backs off: " + scheduler.delays);
        assertTrue(scheduler.delays.size() - immediate >= 4, "backoffs: " + scheduler.delays);
    }

    @Test
    void statusDropsLearnedEndpointsThatLeftTheCluster() {
        FakeNode gone = node((m, r) -> {
            if (m.equals("status")) {
                throw Status.UNAVAILABLE.withDescription("removed and shut down").asRuntimeException();
            }
            return putOk(1);
        });
        FakeNode seed = node((m, r) -> {
            if (m.equals("status")) {
                return io.raftkv.proto.StatusResponse.newBuilder().setId(1).setLeaderId(1).setLeaderAddress("")
                        .addMembers(io.raftkv.proto.Member.newBuilder().setId(1).setClientAddress("elsewhere:1")).build();
            }
            throw FakeNode.notLeader(gone.address);
        });
        RaftKvClient c = client(builder(seed));
        c.put("k", "v");
        assertTrue(c.knownEndpoints().contains(gone.address), "learned from the redirect");
        ClusterStatus s = c.status();
        assertEquals(1, s.members().size());
        assertEquals(List.of(seed.address), c.knownEndpoints(), "the learned endpoint is gone; the seed stays");
    }

    @Test
    void keepAliveThatFindsTheSessionExpiredMakesTheNextWriteReopen() {
        AtomicInteger ids = new AtomicInteger(20);
        FakeNode n = node((m, r) -> {
            switch (m) {
                case "openSession":
                    return io.raftkv.proto.OpenSessionResponse.newBuilder().setSessionId(ids.incrementAndGet())
                            .setTtlMillis(3000).build();
                case "keepAlive":
                    throw FakeNode.code(Status.NOT_FOUND, ErrorDetail.Code.SESSION_EXPIRED);
                default:
                    return putOk(1);
            }
        });
        RaftKvClient c = client(builder(n).sessionTtl(Duration.ofSeconds(3)));
        Session s = c.session();
        assertEquals(21, s.id());
        time.advance(Duration.ofSeconds(2));
        scheduler.firePeriodic();
        assertEquals(1, n.count("keepAlive"));
        assertEquals(0, s.id(), "the expiry was noticed");
        s.put("k", "v");
        assertEquals(22, s.id());
    }

    @Test
    void interceptorsSeeEveryAttemptOfEveryCall() {
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.grpc.ClientInterceptor recorder = new io.grpc.ClientInterceptor() {
            @Override
            public <Q, A> io.grpc.ClientCall<Q, A> interceptCall(io.grpc.MethodDescriptor<Q, A> method,
                                                                io.grpc.CallOptions options, io.grpc.Channel next) {
                seen.add(method.getBareMethodName());
                return next.newCall(method, options);
            }
        };
        FakeNode n = node(failThen(getOk("v"), FakeNode.code(Status.UNAVAILABLE, ErrorDetail.Code.NO_LEADER)));
        RaftKvClient c = client(builder(n).interceptors(recorder));
        assertEquals("v", c.get("k").valueUtf8().orElseThrow());
        assertEquals(List.of("Get", "Get"), seen, "the retry is a new call through the interceptor");
    }

    @Test
    void callsAfterCloseAreRefused() {
        FakeNode n = node((m, r) -> getOk("v"));
        RaftKvClient c = builder(n).build();
        c.close();
        c.close();
        assertThrows(IllegalStateException.class, () -> c.get("k"));
        assertThrows(IllegalStateException.class, c::session);
    }
}
