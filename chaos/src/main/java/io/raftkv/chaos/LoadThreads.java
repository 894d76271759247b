package io.raftkv.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load: each thread runs one operation after another, as fast as the cluster answers, until
 * stopped. Unlike a {@link Workload} nothing is recorded in the history: this is pressure, not evidence.
 */
final class LoadThreads {
    /** One operation of thread {@code i}; true if the cluster served it. */
    interface Op {
        boolean run(int thread);
    }

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean stopping;

    LoadThreads(String name, int count, Op op) {
        for (int i = 0; i < count; i++) {
            int index = i;
            Thread t = new Thread(() -> {
                while (!stopping) {
                    boolean served;
                    try {
                        served = op.run(index);
                    } catch (RuntimeException e) {
                        served = false;
                    }
                    (served ? ok : failed).incrementAndGet();
                }
            }, name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    long ok() {
        return ok.get();
    }

    long failed() {
        return failed.get();
    }

    /** Asks every thread to stop after its current operation and waits (each operation has a deadline). */
    void stop() {
        stopping = true;
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
