package io.raftkv.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last stage: completes client futures on its own threads, so the raft and apply threads hand over a
 * batch of answers with one wake-up and go back to their own work. Batches go to the threads in turn;
 * each thread answers its batches in order.
 */
final class Responder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Responder.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final List<Worker> workers = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean running = true;

    Responder(long nodeId, int threads) {
        for (int i = 0; i < threads; i++) {
            workers.add(new Worker("raftkv-reply-" + nodeId + "-" + i));
        }
    }

    void start() {
        workers.forEach(w -> w.thread.start());
    }

    /** Hands over one batch; batches are spread over the threads in turn. */
    void submit(List<Reply> batch) {
        if (batch.isEmpty()) {
            return;
        }
        int i = Math.floorMod(next.getAndIncrement(), workers.size());
        workers.get(i).queue.offer(batch);
    }

    /** Answers what is queued, then stops the threads. */
    @Override
    public void close() {
        running = false;
        for (Worker w : workers) {
            w.queue.wakeConsumer();
            try {
                w.thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final class Worker implements Runnable {
        final StageQueue<List<Reply>> queue = new StageQueue<>();
        final Thread thread;

        Worker(String name) {
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            queue.bindConsumer();
            while (running || !queue.isEmpty()) {
                List<Reply> batch = queue.poll();
                if (batch == null) {
                    queue.await(IDLE_PARK_NANOS);
                    continue;
                }
                // One message per batch stream for this whole batch, not one per answer.
                FlushScope.begin();
                try {
                    for (Reply r : batch) {
                        try {
                            r.complete();
                        } catch (RuntimeException e) {
                            // A handler's continuation threw: that call is lost, the others must still be answered.
                            LOG.error("answering a client failed", e);
                        }
                    }
                } finally {
                    FlushScope.end();
                }
            }
        }
    }
}
