package io.raftkv.server;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The hand-off into one pipeline stage: many producers, one consumer thread. A producer wakes the
 * consumer only if it is parked, so a busy stage takes whole batches without a wake-up per item
 * ({@code LinkedBlockingQueue} signals a condition on every put, and {@code LockSupport.unpark} was the
 * top self-frame of the leader's profile under load).
 *
 * <p>The wake-up cannot be lost: the consumer announces it is about to park, then looks at the queue
 * once more; a producer adds first, then looks at the announcement. One of the two sees the other.
 */
final class StageQueue<T> {
    private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean parked = new AtomicBoolean();
    private volatile Thread consumer;

    /** Binds the consuming thread; call from that thread before the first {@link #await}. */
    void bindConsumer() {
        consumer = Thread.currentThread();
    }

    void offer(T item) {
        items.offer(item);
        if (parked.get() && parked.compareAndSet(true, false)) {
            Thread c = consumer;
            if (c != null) {
                LockSupport.unpark(c);
            }
        }
    }

    /** Moves up to {@code max} items into {@code out}; returns how many. Consumer thread only. */
    int drainTo(List<T> out, int max) {
        int n = 0;
        T item;
        while (n < max && (item = items.poll()) != null) {
            out.add(item);
            n++;
        }
        return n;
    }

    T poll() {
        return items.poll();
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    boolean remove(T item) {
        return items.remove(item);
    }

    /** Parks the consumer until an item arrives or {@code nanos} pass (spurious returns are fine). */
    void await(long nanos) {
        if (nanos <= 0) {
            return;
        }
        parked.set(true);
        if (items.isEmpty()) {
            LockSupport.parkNanos(this, nanos);
        }
        parked.set(false);
    }

    /** Wakes the consumer whatever it is waiting for (shutdown). */
    void wakeConsumer() {
        Thread c = consumer;
        if (c != null) {
            LockSupport.unpark(c);
        }
    }
}
