package io.raftkv.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Records a history as it happens: every operation once when invoked and once when it completes, each
 * with a timestamp from one monotonic clock. Thread-safe: many client threads record concurrently.
 *
 * <p>Process numbers follow Jepsen: a process has at most one operation in flight, and a process whose
 * operation ended INFO is retired (its operation may still be pending inside the system), so the client
 * thread continues as a fresh process. {@link #newProcess()} hands those out.
 */
final class History {
    /** A recorded invocation waiting for its completion. */
    static final class Pending {
        private final int id;
        private final int process;
        private final int node;
        private final Call call;
        private final long invokeNanos;
        private boolean completed;

        private Pending(int id, int process, int node, Call call, long invokeNanos) {
            this.id = id;
            this.process = process;
            this.node = node;
            this.call = call;
            this.invokeNanos = invokeNanos;
        }

        Call call() {
            return call;
        }

        int node() {
            return node;
        }
    }

    private final LongSupplier clock;
    private final AtomicInteger processes = new AtomicInteger();
    private final List<Pending> pending = new ArrayList<>();
    private final List<Op> completed = new ArrayList<>();
    private int nextId;

    /** @param clock monotonic nanoseconds since the run started */
    History(LongSupplier clock) {
        this.clock = clock;
    }

    /** A history on the real clock, zero at construction. */
    static History startingNow() {
        long origin = System.nanoTime();
        return new History(() -> System.nanoTime() - origin);
    }

    long now() {
        return clock.getAsLong();
    }

    int newProcess() {
        return processes.getAndIncrement();
    }

    /** Records the invocation; the caller sends the request right after this returns. */
    synchronized Pending invoke(int process, int node, Call call) {
        Pending p = new Pending(nextId++, process, node, call, clock.getAsLong());
        pending.add(p);
        return p;
    }

    /** Records the completion; the caller calls this as soon as the reply (or error) is in. */
    void complete(Pending p, Outcome outcome, Reply reply, String error) {
        long t = clock.getAsLong();
        synchronized (this) {
            if (p.completed) {
                throw new IllegalStateException("operation " + p.id + " completed twice");
            }
            p.completed = true;
            pending.remove(p);
            completed.add(new Op(p.id, p.process, p.node, p.call, outcome, reply, p.invokeNanos, Math.max(t, p.invokeNanos),
                    error));
        }
    }

    /**
     * Every operation by invocation order. Invocations still open (a client stuck when the run ended)
     * count as INFO: nobody knows whether they took effect.
     */
    synchronized List<Op> operations() {
        List<Op> all = new ArrayList<>(completed);
        long t = clock.getAsLong();
        for (Pending p : pending) {
            all.add(new Op(p.id, p.process, p.node, p.call, Outcome.INFO, null, p.invokeNanos, Math.max(t, p.invokeNanos),
                    "still pending when the run ended"));
        }
        all.sort(Comparator.comparingInt(Op::id));
        return all;
    }
}
