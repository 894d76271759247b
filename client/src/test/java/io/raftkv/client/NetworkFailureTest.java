package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.KeepAliveResponse;
import io.raftkv.proto.OpenSessionResponse;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.ResponseHeader;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Real TCP: refused connections, and what close() leaves behind. */
class NetworkFailureTest {

    @Test
    void allEndpointsDownFailsFastWithUnavailableAfterTheBudget() {
        RaftKvClient.Builder b = RaftKvClient.builder()
                .endpoints(java.util.Arrays.stream(io.raftkv.server.ServerTestSupport.freePorts(3)).mapToObj(p -> "127.0.0.1:" + p).toArray(String[]::new))
                .requestTimeout(Duration.ofSeconds(60)) // the budget, not the deadline, must end the call
                .maxAttempts(6)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(40))
                .circuitBreaker(2, Duration.ofSeconds(30));
        try (RaftKvClient c = b.build()) {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                long t0 = System.nanoTime();
                UnavailableException e = assertThrows(UnavailableException.class, () -> c.get("k"));
                assertTrue(e.getMessage().contains("6 attempts"), e.getMessage());
                // Refused connections never carried the request: a write outside a session is not indeterminate.
                UnavailableException w = assertThrows(UnavailableException.class, () -> c.put("k", "v"));
                assertTrue(Failure.connectFailed(w.getCause()) || w.getMessage().contains("circuit breaker"), w.getMessage());
                // With every breaker open, the next call costs no network at all.
                long t1 = System.nanoTime();
                assertThrows(UnavailableException.class, () -> c.get("k", ReadConsistency.SERIALIZABLE));
                assertTrue(System.nanoTime() - t1 < TimeUnit.SECONDS.toNanos(2));
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(8));
            });
        }
    }

    @Test
    void refusedConnectionMeansNotSentSoAWriteIsUnavailableNotIndeterminate() {
        try (RaftKvClient c = RaftKvClient.builder().endpoints("127.0.0.1:" + Ports.free()).maxAttempts(1).build()) {
            UnavailableException e = assertThrows(UnavailableException.class, () -> c.put("k", "v"));
            assertTrue(Failure.connectFailed(e.getCause()), "cause: " + e.getCause());
            assertEquals(RaftKvException.Outcome.NOT_APPLIED, e.outcome());
        }
    }

    @Test
    void aDeadlineThatExpiredWaitingForAConnectionMeansTheWriteWasNeverSent() {
        try (SilentServer blackHole = new SilentServer();
             RaftKvClient c = RaftKvClient.builder().endpoints(blackHole.address())
                     .requestTimeout(Duration.ofSeconds(2)).attemptTimeout(Duration.ofMillis(200)).build()) {
            // Outside a session the write gets the whole deadline in one attempt, which expires still waiting
            // for the handshake: nothing reached a server, so this is a definite failure, not "maybe applied".
            UnavailableException w = assertThrows(UnavailableException.class, () -> c.put("k", "v"));
            assertEquals(RaftKvException.Outcome.NOT_APPLIED, w.outcome(), w.getMessage());
            assertTrue(w.getMessage().contains("never sent"), w.getMessage());
            assertEquals(RaftKvException.Outcome.NOT_APPLIED,
                    assertThrows(UnavailableException.class, () -> c.get("k")).outcome());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (blackHole.connections() == 0 && System.nanoTime() - until < 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            assertTrue(blackHole.connections() > 0, "the client did connect; the server never answered the handshake");
        }
    }

    @Test
    void aDeadlineThatExpiredAfterTheRequestWasSentIsIndeterminate() {
        // Answers reads, never writes.
        try (FakeNode silent = new FakeNode((m, r) -> m.equals("get") ? GetResponse.getDefaultInstance() : null);
             RaftKvClient c = RaftKvClient.builder().endpoints(silent.address).requestTimeout(Duration.ofSeconds(2))
                     .build()) {
            awaitRead(c); // the connection is READY before the write, however slow this machine is
            IndeterminateException e = assertThrows(IndeterminateException.class, () -> c.put("k", "v"));
            assertEquals(RaftKvException.Outcome.UNKNOWN, e.outcome());
            assertEquals(1, silent.count("put"), "the server did receive it");
        }
    }

    @Test
    void closeStopsEveryClientThreadAndFailsInFlightCalls() throws Exception {
        // An earlier test's closed client may still be ending its threads in this JVM.
        awaitNoClientThreads("client threads of an earlier test, 5 s after it closed its client");
        PutResponse ok = PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setIndex(3)).setVersion(1).build();
        try (FakeNode live = new FakeNode((m, r) -> {
            switch (m) {
                case "put":
                    return ok;
                case "openSession":
                    return OpenSessionResponse.newBuilder().setSessionId(4).setTtlMillis(60_000).build();
                case "keepAlive":
                    return KeepAliveResponse.getDefaultInstance();
                case "get":
                    return null; // never answers: the read is in flight when the client closes
                default:
                    return GetResponse.getDefaultInstance();
            }
        })) {
            RaftKvClient c = RaftKvClient.builder().endpoints(live.address, "127.0.0.1:" + Ports.free())
                    .requestTimeout(Duration.ofSeconds(60)).attemptTimeout(Duration.ofSeconds(60)).build();
            c.put("k", "v");
            Session s = c.session();
            s.put(ByteString.copyFromUtf8("k"), ByteString.copyFromUtf8("v"));
            CompletableFuture<GetResult> hanging = c.getAsync("k");
            assertTrue(!clientThreads().isEmpty(), "the client runs threads of its own");
            c.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> hanging.get(5, TimeUnit.SECONDS));
            assertInstanceOf(UnavailableException.class, e.getCause());
            awaitNoClientThreads("client threads left after close()");
        }
    }

    /** Reads until one succeeds (a loaded machine may need more than one call's deadline to connect). */
    private static void awaitRead(RaftKvClient c) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                c.get("k");
                return;
            } catch (UnavailableException e) {
                if (System.nanoTime() - until > 0) {
                    throw e;
                }
            }
        }
    }

    private static List<String> clientThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(ClientCore.THREAD_PREFIX)).sorted().toList();
    }

    /** Threads end moments after their executors report termination: poll, with a deadline. */
    private static void awaitNoClientThreads(String what) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!clientThreads().isEmpty() && System.nanoTime() - until < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        assertEquals(List.of(), clientThreads(), what);
    }
}
