package io.raftkv.server;

import io.raftkv.raft.Ready;
import io.raftkv.storage.RaftStore;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log writer stage: makes a Ready durable as one RocksDB batch with one sync when the raft thread
 * should not wait for the disk itself (a Ready that installs a snapshot; any synced Ready while the disk is
 * slow, see {@link SyncPlacement}), then hands it back to the raft thread. Group commit holds either way:
 * the raft thread keeps collecting proposals and messages while a write is in flight, and they all go into
 * the next Ready. Also compacts the log after snapshots ({@code LogStore} serialises log writes).
 */
final class LogWriter implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);
    private static final long SLOW_FSYNC_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Work for this stage. */
    sealed interface Job {
    }

    record Persist(Ready ready) implements Job {
    }

    record Compact(long throughIndex) implements Job {
    }

    private final long nodeId;
    private final RaftStore store;
    private final ServerMetrics metrics;
    private final StageQueue<Job> queue = new StageQueue<>();
    private final StageQueue<RaftInput> raft;
    private final StageQueue<ApplyInput> apply;
    private volatile boolean running = true;
    private volatile Outbox outbox = Outbox.NONE;

    LogWriter(long nodeId, RaftStore store, ServerMetrics metrics, StageQueue<RaftInput> raft, StageQueue<ApplyInput> apply) {
        this.nodeId = nodeId;
        this.store = store;
        this.metrics = metrics;
        this.raft = raft;
        this.apply = apply;
    }

    void connect(Outbox out) {
        this.outbox = out;
    }

    void submit(Job job) {
        queue.offer(job);
    }

    void stop() {
        running = false;
        queue.wakeConsumer();
    }

    @Override
    public void run() {
        queue.bindConsumer();
        try {
            while (running || !queue.isEmpty()) {
                Job job = queue.poll();
                if (job == null) {
                    queue.await(IDLE_PARK_NANOS);
                } else if (job instanceof Persist p) {
                    persist(p.ready());
                } else if (job instanceof Compact c) {
                    store.compactLog(c.throughIndex());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            raft.offer(new RaftInput.Failed("storage write failed; the node stops its write path: " + e, e));
        }
    }

    private void persist(Ready rd) throws InterruptedException {
        if (rd.snapshot().isPresent()) {
            // Installing replaces the state machine: let the apply stage finish what it was handed first.
            CountDownLatch drained = new CountDownLatch(1);
            apply.offer(new ApplyInput.Drained(drained));
            drained.await();
        }
        long synced = persistTimed(nodeId, store, metrics, rd);
        // Acknowledgements and votes leave from here, as soon as what they promise is durable: a hop through
        // the raft thread on a follower's every acknowledgement was pure latency.
        outbox.send(rd.persistedMessages());
        raft.offer(new RaftInput.Persisted(rd, synced));
    }

    /**
     * Writes {@code rd} (the only place a Ready reaches the disk, on whichever thread writes it) and
     * records how long it took; returns that time if the write was synced, else 0.
     */
    static long persistTimed(long nodeId, RaftStore store, ServerMetrics metrics, Ready rd) {
        long t0 = System.nanoTime();
        store.persist(rd);
        long took = System.nanoTime() - t0;
        if (rd.snapshot().isPresent()) {
            metrics.snapshotInstalled(took);
        }
        if (!rd.mustSync()) {
            return 0;
        }
        metrics.observeFsync(took);
        if (took > SLOW_FSYNC_NANOS) {
            LOG.warn("node {}: slow fsync: persisting {} entries took {} ms", nodeId, rd.entries().size(),
                    TimeUnit.NANOSECONDS.toMillis(took));
        }
        return took;
    }
}
