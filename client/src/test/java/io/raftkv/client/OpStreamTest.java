package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.KeyValue;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.ResponseHeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests on the batch stream ({@link OpStream}) keep the unary calls' semantics: answers matched by id,
 * per-op errors through the one retry table, a broken stream leaving a write outside a session of unknown
 * outcome (never blindly retried), and older nodes without the stream served by unary calls.
 */
class OpStreamTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private FakeNode node(boolean serveBatch, FakeNode.Behaviour b) {
        FakeNode n = new FakeNode("opstream" + NAMES.incrementAndGet() + ":7000", b);
        n.serveBatch = serveBatch;
        closeables.add(n);
        return n;
    }

    private RaftKvClient client(FakeNode... nodes) {
        List<String> addrs = new ArrayList<>();
        for (FakeNode n : nodes) {
            addrs.add(n.address);
        }
        RaftKvClient c = RaftKvClient.builder().endpoints(addrs).backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .requestTimeout(Duration.ofSeconds(10))
                .channelFactory(a -> InProcessChannelBuilder.forName(a).build()).build();
        closeables.add(c);
        return c;
    }

    /** A node that stores puts and answers gets from them: each value's version is its request number. */
    private static FakeNode.Behaviour store(java.util.Map<ByteString, ByteString> data, AtomicLong versions) {
        return (method, req) -> switch (method) {
            case "put" -> {
                PutRequest p = (PutRequest) req;
                data.put(p.getKey(), p.getValue());
                yield PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setMemberId(1))
                        .setVersion(versions.incrementAndGet()).build();
            }
            case "get" -> {
                ByteString v = data.get(((GetRequest) req).getKey());
                GetResponse.Builder b = GetResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setMemberId(1))
                        .setFound(v != null);
                if (v != null) {
                    b.setKv(KeyValue.newBuilder().setKey(((GetRequest) req).getKey()).setValue(v).setVersion(1));
                }
                yield b.build();
            }
            default -> throw Status.UNIMPLEMENTED.asRuntimeException();
        };
    }

    @Test
    void concurrentRequestsRideOneStreamAndEachGetsItsOwnAnswer() throws Exception {
        java.util.Map<ByteString, ByteString> data = new java.util.concurrent.ConcurrentHashMap<>();
        FakeNode n = node(true, store(data, new AtomicLong()));
        RaftKvClient c = client(n);
        List<CompletableFuture<PutResult>> puts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            puts.add(c.putAsync(ByteString.copyFromUtf8("k" + i), ByteString.copyFromUtf8("v" + i)));
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get();
        for (int i = 0; i < 200; i++) {
            assertEquals("v" + i, c.get("k" + i).kv().orElseThrow().valueUtf8(), "the answer to get k" + i);
        }
        assertEquals(1, n.streams.get(), "every request rode one stream");
        assertEquals(400, n.received.size(), "each request reached the node once");
        assertTrue(n.received.stream().allMatch(r -> r.deadlineNanos() > 0), "every op carried its deadline");
    }

    @Test
    void anOlderNodeWithoutTheStreamIsServedByUnaryCalls() {
        java.util.Map<ByteString, ByteString> data = new java.util.concurrent.ConcurrentHashMap<>();
        FakeNode n = node(false, store(data, new AtomicLong()));
        RaftKvClient c = client(n);
        assertEquals(1, c.put("a", "1").version());
        assertEquals(2, c.put("b", "2").version());
        assertEquals("2", c.get("b").kv().orElseThrow().valueUtf8());
        assertEquals(3, n.received.size(), "each request was sent once, as a unary call, after the stream was refused");
    }

    @Test
    void aNodeUpgradedWhileTheClientRunsIsTriedOnTheStreamAgain() {
        java.util.Map<ByteString, ByteString> data = new java.util.concurrent.ConcurrentHashMap<>();
        FakeNode n = node(false, store(data, new AtomicLong()));
        FakeTime time = new FakeTime();
        RaftKvClient c = RaftKvClient.builder().endpoints(n.address).timeSource(time)
                .channelFactory(a -> InProcessChannelBuilder.forName(a).build()).build();
        closeables.add(c);
        c.put("a", "1");
        n.serveBatch = true; // the node is upgraded
        c.put("b", "2");
        assertEquals(0, n.streams.get(), "within the back-off after UNIMPLEMENTED, requests stay unary");
        time.advanceNanos(OpStream.RETRY_UNSUPPORTED_NANOS);
        c.put("c", "3");
        assertEquals(1, n.streams.get(), "then the stream is tried again");
        assertEquals(3, n.received.size());
    }

    @Test
    void anErrorOnTheStreamIsClassifiedLikeTheUnaryCallsError() {
        java.util.Map<ByteString, ByteString> data = new java.util.concurrent.ConcurrentHashMap<>();
        FakeNode leader = node(true, store(data, new AtomicLong()));
        FakeNode follower = node(true, (method, req) -> {
            throw FakeNode.notLeader(leader.address);
        });
        RaftKvClient c = client(follower);
        assertEquals(1, c.put("k", "v").version(), "the NOT_LEADER answer on the stream was followed to the leader");
        assertEquals(1, follower.received.size());
        assertEquals(1, leader.received.size());
        assertEquals(1, leader.streams.get());
    }

    @Test
    void aStreamThatBreaksAfterAWriteWasSentLeavesItsOutcomeUnknownAndRetriesReads() {
        java.util.Map<ByteString, ByteString> data = new java.util.concurrent.ConcurrentHashMap<>();
        FakeNode.Behaviour store = store(data, new AtomicLong());
        AtomicInteger breaks = new AtomicInteger(2);
        FakeNode n = node(true, (method, req) -> {
            Object answer = store.answer(method, req); // applied...
            if (breaks.getAndDecrement() > 0) {
                throw FakeNode.BREAK_STREAM; // ...but the answer is lost with the stream
            }
            return (com.google.protobuf.Message) answer;
        });
        RaftKvClient c = client(n);
        IndeterminateException e = assertThrows(IndeterminateException.class, () -> c.put("k", "v"));
        assertTrue(e.getMessage().contains("not retried"), e.getMessage());
        assertEquals(1, n.of("put").size(), "no blind retry of a write outside a session");
        assertEquals("v", c.get("k").kv().orElseThrow().valueUtf8(), "a read is retried on a new stream");
        assertEquals(2, n.of("get").size());
        assertEquals(3, n.streams.get(), "each broken stream was replaced");
    }

    @Test
    void anOpTheNodeNeverAnswersExpiresAtItsDeadline() {
        FakeNode n = node(true, (method, req) -> null);
        RaftKvClient c = RaftKvClient.builder().endpoints(n.address).attemptTimeout(Duration.ofMillis(150))
                .requestTimeout(Duration.ofSeconds(2)).maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(2))
                .circuitBreaker(100, Duration.ofSeconds(1))
                .channelFactory(a -> InProcessChannelBuilder.forName(a).build()).build();
        closeables.add(c);
        long start = System.nanoTime();
        RaftKvException read = assertThrows(RaftKvException.class, () -> c.get("k"));
        assertTrue(read.getMessage().contains("3 attempts"), read.getMessage());
        assertEquals(3, n.of("get").size(), "each attempt timed out on its own deadline and the read was retried");
        assertTrue(System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(4),
                "the attempts ended at their 150 ms deadlines, not at the call's");
        // A write outside a session that was sent and never answered may have been applied: not retried.
        assertThrows(IndeterminateException.class, () -> c.put("k", "v"));
        assertEquals(1, n.of("put").size());
    }
}
