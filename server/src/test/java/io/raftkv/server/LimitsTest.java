package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.ScanRequest;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input is refused with INVALID_ARGUMENT naming the limit; floods are shed with RESOURCE_EXHAUSTED. */
class LimitsTest {
    @TempDir
    Path dir;

    private static ErrorDetail invalid(Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        ErrorDetail d = TestCluster.detail(e);
        assertEquals(ErrorDetail.Code.INVALID, d.getCode());
        return d;
    }

    private interface Executable {
        void run();
    }

    @Test
    void everyLimitIsEnforcedAndNamed() {
        try (TestCluster c = new TestCluster(dir, 3, x -> x)) {
            long leader = c.awaitLeader();
            KVGrpc.KVBlockingStub kv = c.kv(leader);
            assertEquals("min-key-bytes", invalid(() -> kv.put(PutRequest.newBuilder().setValue(ByteString.copyFromUtf8("v"))
                    .build())).getLimitName());
            ErrorDetail key = invalid(() -> kv.put(PutRequest.newBuilder().setKey(ByteString.copyFrom(new byte[4097])).build()));
            assertEquals("max-key-bytes", key.getLimitName());
            assertEquals(4096, key.getLimit());
            assertEquals(4097, key.getActual());
            ErrorDetail value = invalid(() -> kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                    .setValue(ByteString.copyFrom(new byte[(1 << 20) + 1])).build()));
            assertEquals("max-value-bytes", value.getLimitName());
            assertEquals((1 << 20) + 1, value.getActual());
            ErrorDetail request = invalid(() -> kv.txn(io.raftkv.proto.TxnRequest.newBuilder()
                    .addSuccess(io.raftkv.proto.TxnOp.newBuilder().setPut(io.raftkv.proto.PutOp.newBuilder()
                            .setKey(ByteString.copyFromUtf8("a")).setValue(ByteString.copyFrom(new byte[1 << 20]))))
                    .addSuccess(io.raftkv.proto.TxnOp.newBuilder().setPut(io.raftkv.proto.PutOp.newBuilder()
                            .setKey(ByteString.copyFromUtf8("b")).setValue(ByteString.copyFrom(new byte[1 << 20]))))
                    .build()));
            assertEquals("max-request-bytes", request.getLimitName());
            assertTrue(request.getActual() > request.getLimit());
            assertEquals("max-scan-limit", invalid(() -> kv.scan(ScanRequest.newBuilder().setLimit(10_001).build())).getLimitName());
            assertEquals("consistency", invalid(() -> kv.get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                    .setConsistencyValue(7).build())).getLimitName());
            // Nothing was written by any of the refused requests, and the node still serves.
            kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("ok")).setValue(ByteString.copyFromUtf8("1")).build());
        }
    }

    @Test
    void aFloodBeyondThePendingBoundIsShedAndTheNodeStaysHealthy() throws InterruptedException {
        ServerConfig.Limits tight = new ServerConfig.Limits(4096, 1 << 20, 2 << 20, 10_000, 4, 1 << 20);
        try (TestCluster c = new TestCluster(dir, 3, x -> new ServerConfig(x.nodeId(), x.clusterToken(), x.initialCluster(),
                x.clientListen(), x.peerListen(), x.dataDir(), x.tick(), x.electionTicks(), x.heartbeatTicks(), tight,
                x.requestTimeout(), x.snapshotEvery(), x.retainEntries(), false, null, null))) {
            long leader = c.awaitLeader();
            io.grpc.ManagedChannel ch = io.grpc.netty.NettyChannelBuilder.forTarget(c.clientAddrs.get(leader)).usePlaintext().build();
            KVGrpc.KVStub async = KVGrpc.newStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
            int n = 300;
            CountDownLatch done = new CountDownLatch(n);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger shed = new AtomicInteger();
            AtomicInteger other = new AtomicInteger();
            for (int i = 0; i < n; i++) {
                async.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("f" + i)).setValue(ByteString.copyFrom(new byte[1000]))
                        .build(), new StreamObserver<>() {
                            @Override
                            public void onNext(PutResponse value) {
                                ok.incrementAndGet();
                            }

                            @Override
                            public void onError(Throwable t) {
                                if (Status.fromThrowable(t).getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                                    shed.incrementAndGet();
                                } else {
                                    other.incrementAndGet();
                                }
                                done.countDown();
                            }

                            @Override
                            public void onCompleted() {
                                done.countDown();
                            }
                        });
            }
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertTrue(shed.get() > 0, "a flood of " + n + " against a bound of 4 must shed load");
            assertTrue(ok.get() > 0, "but not shed everything");
            assertEquals(0, other.get(), "shedding, not failure");
            c.kv(c.awaitLeader()).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("after")).build());
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
