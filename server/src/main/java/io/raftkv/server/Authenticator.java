package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Where password hashing runs ({@link Passwords}: tens of milliseconds of CPU each): a fixed pool of its own
 * with a bounded queue. When the queue is full the request is refused with OVERLOADED naming the limit, never
 * run on the caller's thread: a password-guessing flood then costs the node at most these threads' CPU
 * and never reaches the gRPC event loops, the raft thread or the apply thread.
 */
final class Authenticator implements AutoCloseable {
    /** Hashes running at once: one core's worth of a two-core node at most. */
    static final int THREADS = 1;
    /** Authentications waiting beyond the running ones before new ones are shed (auth-max-pending). */
    static final int MAX_PENDING = 16;

    private final ThreadPoolExecutor pool;

    Authenticator(long nodeId) {
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAX_PENDING), r -> {
            Thread t = new Thread(r, "raftkv-auth-" + nodeId + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** Runs {@code work} (which hashes a password) on the pool; fails with OVERLOADED when the pool is full. */
    <T> CompletableFuture<T> submit(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, pool);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(NodeException.of(ErrorDetail.Code.OVERLOADED, "server overloaded: more "
                    + "than " + MAX_PENDING + " password checks pending (auth-max-pending); shedding load (not applied): "
                    + "back off and retry"));
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
