package io.raftkv.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.raftkv.proto.KVGrpc;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where gRPC runs the client API's handlers. By default grpc-java uses an unbounded cached pool: under
 * load it grew to 79 threads on two cores, 40% of their time in the kernel waking each other. Here:
 * <ul>
 *   <li>the hot KV methods (and the batch stream's messages) run directly on the Netty event loop that read them: they only
 *       validate, admit and enqueue (a serializable get adds one in-memory RocksDB lookup), so a thread
 *       hop per call bought nothing;</li>
 *   <li>everything else (scans, status, membership, backups, health) runs on a small fixed pool whose
 *       queue is bounded; when it is full the event loop runs the call itself, which slows reading from
 *       the network: back-pressure instead of an unbounded queue.</li>
 * </ul>
 * The server's own executor must be the direct one ({@link #configure}): gRPC looks a call's method up on
 * that executor before it asks this supplier, so with the pool there every call, hot or not, first hopped
 * to a pool thread (and a hot one then often ran there too).
 * Password hashing (Auth.Authenticate, user add, password changes) runs on neither: {@link Authenticator}'s own
 * bounded pool sheds instead (running a 100 ms hash on the caller would put it on an event loop).
 */
final class ServerExecutors implements ServerCallExecutorSupplier, AutoCloseable {
    private static final Set<String> DIRECT = Set.of(
            KVGrpc.getPutMethod().getFullMethodName(),
            KVGrpc.getGetMethod().getFullMethodName(),
            KVGrpc.getDeleteMethod().getFullMethodName(),
            KVGrpc.getCompareAndSetMethod().getFullMethodName(),
            KVGrpc.getTxnMethod().getFullMethodName(),
            KVGrpc.getBatchMethod().getFullMethodName(),
            KVGrpc.getKeepAliveMethod().getFullMethodName());
    private static final Executor ON_EVENT_LOOP = new DirectExecutor();

    private final ThreadPoolExecutor pool;

    ServerExecutors(long nodeId, int threads, int queued) {
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queued), r -> {
            Thread t = new Thread(r, "raftkv-grpc-" + nodeId + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
    }

    /** Sets {@code builder}'s executors: method lookup on the event loop, then each call where {@link #getExecutor} says. */
    <T extends io.grpc.ServerBuilder<T>> T configure(T builder) {
        return builder.directExecutor().callExecutor(this);
    }

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        return DIRECT.contains(call.getMethodDescriptor().getFullMethodName()) ? ON_EVENT_LOOP : pool;
    }

    /** Tasks the pool ran so far (tests). */
    long poolTasks() {
        return pool.getCompletedTaskCount() + pool.getActiveCount();
    }

    @Override
    public void close() {
        pool.shutdown();
    }

    /** Runs the task on the calling thread. */
    private static final class DirectExecutor implements Executor {
        @Override
        public void execute(Runnable task) {
            task.run();
        }
    }
}
