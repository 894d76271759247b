package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.ScanRequest;
import io.raftkv.proto.ScanResponse;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Where the client port's calls run: a hot method never touches the pool (not even for gRPC's method
 * lookup, which used to hop to a pool thread on every call), the others run on the pool.
 */
class ServerExecutorsTest {

    /** Records the thread of each handler; answers at once. */
    private static final class Recording extends KVGrpc.KVImplBase {
        final Set<String> putThreads = ConcurrentHashMap.newKeySet();
        final Set<String> scanThreads = ConcurrentHashMap.newKeySet();

        @Override
        public void put(PutRequest request, StreamObserver<PutResponse> reply) {
            putThreads.add(Thread.currentThread().getName());
            reply.onNext(PutResponse.getDefaultInstance());
            reply.onCompleted();
        }

        @Override
        public void scan(ScanRequest request, StreamObserver<ScanResponse> reply) {
            scanThreads.add(Thread.currentThread().getName());
            reply.onNext(ScanResponse.getDefaultInstance());
            reply.onCompleted();
        }
    }

    @Test
    void hotMethodsNeverHopToThePoolAndTheOthersRunThere() throws Exception {
        Recording kv = new Recording();
        try (ServerExecutors executors = new ServerExecutors(7, 2, 16)) {
            Server server = executors.configure(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)))
                    .addService(kv).build().start();
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
            try {
                KVGrpc.KVBlockingStub stub = KVGrpc.newBlockingStub(ch);
                for (int i = 0; i < 200; i++) {
                    stub.put(PutRequest.getDefaultInstance());
                }
                assertEquals(0, executors.poolTasks(), "pool tasks for 200 puts");
                assertTrue(kv.putThreads.stream().noneMatch(t -> t.startsWith("raftkv-grpc-")), kv.putThreads.toString());

                stub.scan(ScanRequest.getDefaultInstance());
                assertTrue(kv.scanThreads.stream().allMatch(t -> t.startsWith("raftkv-grpc-7-")), kv.scanThreads.toString());
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
