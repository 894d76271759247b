package io.raftkv.server;

/**
 * Where the raft thread's next synced Ready is written: on the raft thread itself, or by the
 * {@link LogWriter}. Raft-thread state, no clock of its own (callers pass {@code now}).
 *
 * <p>On a healthy disk the raft thread writes it, as etcd's raft loop does: the hand-off to the log writer
 * and back cost two thread wake-ups per Ready on every node, most of a put's latency at low load, and
 * group commit does not need it (everything that arrives during one sync goes into the next Ready either
 * way; a leader has sent its messages before it syncs).
 *
 * <p>What the hand-off buys is a raft thread that keeps working while the disk does not: a leader whose
 * sync stalls keeps heartbeating, confirming reads and replicating, and commits with its followers alone.
 * So once a sync takes longer than {@code slowNanos}, wherever it ran, synced Readies go to the log writer
 * until no sync has been slow for {@code coolDownNanos}. Only the first slow sync of a stall blocks the
 * raft thread. Readies that install a snapshot always go to the log writer (see {@link LogWriter}).
 */
final class SyncPlacement {
    private final long slowNanos;
    private final long coolDownNanos;
    private boolean slowSeen;
    private long lastSlowAt;

    SyncPlacement(long slowNanos, long coolDownNanos) {
        if (slowNanos <= 0 || coolDownNanos <= 0) {
            throw new IllegalArgumentException("slowNanos and coolDownNanos must be positive");
        }
        this.slowNanos = slowNanos;
        this.coolDownNanos = coolDownNanos;
    }

    /** For a node whose heartbeat interval is {@code heartbeatNanos}: a sync slower than half of it is slow. */
    static SyncPlacement forHeartbeat(long heartbeatNanos) {
        return new SyncPlacement(Math.max(1, heartbeatNanos / 2), Math.max(1, heartbeatNanos * 100));
    }

    /** Whether the raft thread should write the next synced Ready itself. */
    boolean onRaftThread(long now) {
        return !slowSeen || now - lastSlowAt >= coolDownNanos;
    }

    /** A sync finished, on either thread, having taken {@code tookNanos}, observed at {@code now}. */
    void synced(long tookNanos, long now) {
        if (tookNanos > slowNanos) {
            slowSeen = true;
            lastSlowAt = now;
        }
    }
}
