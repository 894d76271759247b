package io.raftkv.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Client threads issuing operations against the cluster and recording each in the history. Each thread
 * paces itself to its share of the target rate: an open-ended closed loop would produce more history
 * than the checker can use, and the faults, not the load, are the point.
 */
abstract class Workload {
    private final String name;
    private final int threads;
    private final long intervalNanos;
    private final List<Thread> running = new ArrayList<>();
    private volatile boolean stopping;

    /** @param ratePerSecond operations per second over all threads of this workload */
    Workload(String name, int threads, double ratePerSecond) {
        if (threads < 1 || ratePerSecond <= 0) {
            throw new IllegalArgumentException(name + ": needs at least one thread and a positive rate");
        }
        this.name = name;
        this.threads = threads;
        this.intervalNanos = (long) (threads * 1e9 / ratePerSecond);
    }

    String name() {
        return name;
    }

    /** One operation by worker {@code worker}; exceptions other than the recorded ones end the thread. */
    abstract void step(int worker);

    final void start() {
        for (int i = 0; i < threads; i++) {
            int worker = i;
            Thread t = new Thread(() -> loop(worker), name + "-" + i);
            t.setDaemon(true);
            running.add(t);
            t.start();
        }
    }

    private void loop(int worker) {
        // Spread the threads' first operations over one interval so they do not march in lockstep.
        long next = System.nanoTime() + (intervalNanos * worker) / threads;
        while (!stopping) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            step(worker);
            next = Math.max(next + intervalNanos, System.nanoTime() - intervalNanos);
        }
    }

    /** Asks every thread to finish its current operation and waits for them (each op has a deadline). */
    final void stop() {
        stopping = true;
        for (Thread t : running) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                throw new IllegalStateException("worker " + t.getName() + " did not stop within 30 s");
            }
        }
    }
}
