package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The first stage, on the gRPC threads: decides whether the node takes a request at all. A node under
 * pressure (too many requests or bytes waiting, or a heap that the last collection left nearly full)
 * refuses with OVERLOADED (RESOURCE_EXHAUSTED, not applied: back off and retry) instead of queueing
 * work it may die of. An admitted request holds its share until its future completes, however it ends.
 */
final class Admission {
    private final ServerConfig.Limits limits;
    private final MemoryGuard memory;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    Admission(ServerConfig.Limits limits, MemoryGuard memory) {
        this.limits = limits;
        this.memory = memory;
    }

    /**
     * Admits a request of {@code size} bytes, releasing it when {@code reply} completes; returns null, or
     * the refusal to answer with.
     */
    NodeException admit(long size, CompletableFuture<?> reply) {
        if (memory.underPressure()) {
            return NodeException.of(ErrorDetail.Code.OVERLOADED, "server overloaded: " + memory.describe()
                    + "; shedding load (not applied): back off and retry");
        }
        boolean tooMany = requests.incrementAndGet() > limits.maxPendingRequests();
        boolean tooBig = bytes.addAndGet(size) > limits.maxPendingBytes();
        if (tooMany || tooBig) {
            release(size);
            return NodeException.of(ErrorDetail.Code.OVERLOADED, "server overloaded: more than "
                    + limits.maxPendingRequests() + " requests or " + limits.maxPendingBytes()
                    + " bytes pending; back off and retry");
        }
        reply.whenComplete(new Release(this, size));
        return null;
    }

    /** Requests admitted and not yet answered. */
    int pending() {
        return requests.get();
    }

    private void release(long size) {
        requests.decrementAndGet();
        bytes.addAndGet(-size);
    }

    /** Gives back an admitted request's share when it is answered. */
    private record Release(Admission admission, long size) implements java.util.function.BiConsumer<Object, Throwable> {
        @Override
        public void accept(Object value, Throwable error) {
            admission.release(size);
        }
    }
}
