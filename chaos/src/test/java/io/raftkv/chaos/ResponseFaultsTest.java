package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.raftkv.client.Expected;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.RaftKvException;
import io.raftkv.client.Session;
import io.raftkv.client.UnavailableException;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.CompareAndSetResponse;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.OpenSessionRequest;
import io.raftkv.proto.OpenSessionResponse;
import io.raftkv.proto.WriteContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The counter workload's client-side faults against a scripted node: answers lost after the server
 * applied the request make the library retry with the same sequence number; in broken mode the retries go
 * out without their session.
 */
class ResponseFaultsTest {
    private final List<CompareAndSetRequest> received = new CopyOnWriteArrayList<>();
    private Server server;

    @BeforeEach
    void start() throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new KVGrpc.KVImplBase() {
            @Override
            public void openSession(OpenSessionRequest req, StreamObserver<OpenSessionResponse> out) {
                out.onNext(OpenSessionResponse.newBuilder().setSessionId(5).setTtlMillis(60_000).build());
                out.onCompleted();
            }

            @Override
            public void compareAndSet(CompareAndSetRequest req, StreamObserver<CompareAndSetResponse> out) {
                received.add(req);
                out.onNext(CompareAndSetResponse.newBuilder().setSucceeded(true).build());
                out.onCompleted();
            }
        }).build().start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private RaftKvException everyAnswerLost(ResponseFaults faults) {
        try (RaftKvClient client = RaftKvClient.builder().endpoints("127.0.0.1:" + server.getPort()).maxAttempts(3)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5)).interceptors(faults).build();
             Session s = client.session()) {
            return assertThrows(UnavailableException.class, () -> s.compareAndSet("c", Expected.absent(), "t1,"));
        }
    }

    @Test
    void aLostAnswerIsRetriedWithTheSameSequenceNumber() {
        ResponseFaults faults = new ResponseFaults(1.0, false, 1);
        RaftKvException e = everyAnswerLost(faults);
        assertEquals(RaftKvException.Outcome.UNKNOWN, e.outcome(), "applied, but the client never heard");
        assertEquals(3, received.size());
        WriteContext first = received.get(0).getContext();
        assertEquals(5, first.getSessionId());
        received.forEach(r -> assertEquals(first, r.getContext(), "every attempt carries the session's sequence"));
        assertEquals(new ResponseFaults.Counts(3, 0), faults.counts());
    }

    @Test
    void brokenModeSendsRetriesOutsideTheirSession() {
        ResponseFaults faults = new ResponseFaults(1.0, true, 1);
        everyAnswerLost(faults);
        assertEquals(3, received.size());
        assertEquals(5, received.get(0).getContext().getSessionId());
        assertEquals(0, received.get(1).getContext().getSessionId(), "a retry stripped of its session");
        assertEquals(0, received.get(2).getContext().getSessionId());
        assertEquals(new ResponseFaults.Counts(3, 2), faults.counts());
    }

    @Test
    void withoutLossNothingIsTouched() throws Exception {
        ResponseFaults faults = new ResponseFaults(0, true, 1);
        try (RaftKvClient client = RaftKvClient.builder().endpoints("127.0.0.1:" + server.getPort()).interceptors(faults)
                .build(); Session s = client.session()) {
            s.compareAndSet("c", Expected.absent(), "t1,");
            s.compareAndSet("c", Expected.version(1), "t1,t2,");
        }
        assertEquals(List.of(1L, 2L), received.stream().map(r -> r.getContext().getSequence()).toList());
        assertEquals(new ResponseFaults.Counts(0, 0), faults.counts());
    }
}
