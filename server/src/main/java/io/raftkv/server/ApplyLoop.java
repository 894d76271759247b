package io.raftkv.server;

import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.storage.Applied;
import io.raftkv.storage.RaftStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state-machine stage: applies committed entries in log order (one unsynced RocksDB batch per hand-off;
 * after a crash the log replays from the applied index), owns the waiting proposals and reads, and hands
 * their answers to the {@link Responder} as one batch per round. Also decides when to snapshot.
 */
final class ApplyLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyLoop.class);
    private static final int MAX_BATCH = 1024;

    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final RaftStore store;
    private final StageQueue<ApplyInput> queue;
    private final StageQueue<RaftInput> raft;
    private final Responder responder;
    private final Waiters waiters = new Waiters();
    private final long expireEveryNanos;
    private final ExecutorService snapshotter;
    private LogWriter logWriter;
    private volatile StateChecker checker;
    private volatile boolean running = true;
    /** Proposals waiting to be applied (metrics read it from other threads). */
    private volatile int pending;

    // apply thread only
    private long lastSnapshotIndex;
    private boolean snapshotRunning;
    private long nextExpiryNanos;

    ApplyLoop(ServerConfig config, ServerMetrics metrics, RaftStore store, StageQueue<ApplyInput> queue,
              StageQueue<RaftInput> raft, Responder responder) {
        this.config = config;
        this.metrics = metrics;
        this.store = store;
        this.queue = queue;
        this.raft = raft;
        this.responder = responder;
        this.expireEveryNanos = config.tick().toNanos();
        this.lastSnapshotIndex = store.log().snapshot().index();
        this.snapshotter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "raftkv-snapshot-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
    }

    void bindLogWriter(LogWriter writer) {
        this.logWriter = writer;
    }

    int pending() {
        return pending;
    }

    void bindChecker(StateChecker c) {
        this.checker = c;
    }

    void stop() {
        running = false;
        queue.wakeConsumer();
    }

    /** Waits for a running snapshot to finish (shutdown: the store closes next). */
    void awaitSnapshotter() {
        snapshotter.shutdown();
        try {
            snapshotter.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        queue.bindConsumer();
        List<ApplyInput> batch = new ArrayList<>();
        List<Reply> replies = new ArrayList<>();
        nextExpiryNanos = System.nanoTime() + expireEveryNanos;
        while (running || !queue.isEmpty()) {
            queue.drainTo(batch, MAX_BATCH);
            try {
                for (ApplyInput in : batch) {
                    handle(in, replies);
                }
            } catch (RuntimeException e) {
                raft.offer(new RaftInput.Failed("applying committed entries failed: " + e, e));
            }
            batch.clear();
            long now = System.nanoTime();
            if (now - nextExpiryNanos >= 0) {
                waiters.expire(now, replies);
                nextExpiryNanos = now + expireEveryNanos;
            }
            pending = waiters.proposalCount();
            metrics.proposalsFailed(waiters.takeFailed());
            if (!replies.isEmpty()) {
                responder.submit(replies);
                replies = new ArrayList<>();
            }
            if (queue.isEmpty()) {
                queue.await(nextExpiryNanos - System.nanoTime());
            }
        }
    }

    private void handle(ApplyInput in, List<Reply> replies) {
        if (in instanceof ApplyInput.Track t) {
            t.proposals().forEach(p -> waiters.track(p, replies));
        } else if (in instanceof ApplyInput.Apply a) {
            long t0 = System.nanoTime();
            List<Applied> results = store.stateMachine().apply(a.committed(), a.confStates());
            metrics.applied(results.size(), System.nanoTime() - t0);
            for (Applied result : results) {
                waiters.applied(result, replies);
                if (result.result() instanceof io.raftkv.storage.Result.HashPoint p && checker != null) {
                    checker.hashPointApplied(p.index());
                }
            }
            long applied = store.stateMachine().appliedIndex();
            waiters.appliedThrough(applied, replies);
            maybeSnapshot(applied);
        } else if (in instanceof ApplyInput.ReadsAt r) {
            long applied = store.stateMachine().appliedIndex();
            r.reads().forEach(read -> waiters.awaitApply(r.index(), read, applied, replies));
        } else if (in instanceof ApplyInput.SnapshotInstalled) {
            waiters.appliedThrough(store.stateMachine().appliedIndex(), replies);
        } else if (in instanceof ApplyInput.Drained d) {
            d.done().countDown();
        } else if (in instanceof ApplyInput.SnapshotDone s) {
            snapshotRunning = false;
            lastSnapshotIndex = Math.max(lastSnapshotIndex, s.index());
        } else if (in instanceof ApplyInput.FailAll f) {
            waiters.failAll(f.cause(), replies);
        }
    }

    private void maybeSnapshot(long applied) {
        if (snapshotRunning || applied - lastSnapshotIndex < config.snapshotEvery()) {
            return;
        }
        snapshotRunning = true;
        try {
            snapshotter.execute(new Snapshotting());
        } catch (RejectedExecutionException e) {
            snapshotRunning = false; // shutting down
        }
    }

    /** On the snapshotter thread: an image at the current applied index, then compaction by the log writer. */
    private final class Snapshotting implements Runnable {
        @Override
        public void run() {
            long index = 0;
            try {
                long t0 = System.nanoTime();
                SnapshotMetadata meta = store.createSnapshot();
                metrics.snapshotSaved(System.nanoTime() - t0);
                index = meta.index();
                long compactTo = meta.index() - config.retainEntries();
                LOG.info("node {}: snapshot at index {}; compacting the log through {}", config.nodeId(), meta.index(),
                        Math.max(compactTo, 0));
                if (compactTo > store.log().firstIndex()) {
                    logWriter.submit(new LogWriter.Compact(compactTo));
                }
            } catch (RuntimeException e) {
                LOG.error("node {}: snapshot failed: {}", config.nodeId(), e.toString(), e);
            }
            queue.offer(new ApplyInput.SnapshotDone(index));
        }
    }
}
