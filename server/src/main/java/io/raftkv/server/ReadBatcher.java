package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;
import java.util.ArrayList;
import java.util.List;

/**
 * etcd's linearizable read loop, on the raft thread: every read that arrives while a ReadIndex round is
 * in flight waits for the next round, so one heartbeat round confirms leadership for all of them. A
 * round per read multiplied heartbeats by the read rate, and under read load a lagging follower's every
 * heartbeat answer triggered another append to it (issue 11).
 *
 * <p>Works on followers too: their round is a ReadIndex request to the leader, and the reads then wait
 * for the local state machine to reach the leader's commit index (thesis §6.4, "followers can serve
 * reads").
 *
 * <p>Safety: a read joins only a round that starts after it arrived, so the quorum's answer confirms
 * leadership at a time after the read began. A round that gets no answer (message lost, leader
 * changed) is started again with a new context after {@code retryNanos}, never answered late.
 */
final class ReadBatcher {
    /** Where confirmed reads go, and how to ask the core for a round. */
    interface Sink {
        boolean startRound(long ctx);

        void confirmed(long index, List<Waiters.Read> reads);

        void failed(Waiters.Read read, NodeException why);
    }

    private record Round(long ctx, List<Waiters.Read> reads, long startedNanos) {
    }

    private final Sink sink;
    private final long retryNanos;
    private List<Waiters.Read> waiting = new ArrayList<>();
    private Round round;
    private long lastCtx;
    private long rounds;

    ReadBatcher(Sink sink, long retryNanos) {
        this.sink = sink;
        this.retryNanos = retryNanos;
    }

    /** A read arrived; {@code canRead}: this node leads or follows a known leader. */
    void add(Waiters.Read read, boolean canRead, NodeException refusal, long nowNanos) {
        if (!canRead) {
            sink.failed(read, refusal);
            return;
        }
        waiting.add(read);
        maybeStart(refusal, nowNanos);
    }

    /** The core answered a round. Stale contexts (an abandoned round) are ignored. */
    void onReadState(long ctx, long index, NodeException refusal, long nowNanos) {
        if (round == null || round.ctx != ctx) {
            return;
        }
        sink.confirmed(index, round.reads);
        round = null;
        maybeStart(refusal, nowNanos);
    }

    /**
     * Leadership moved (or this node lost its leader): the round in flight may never be answered. Its
     * reads join the next round if a leader is known, otherwise every read fails with {@code refusal}.
     */
    void onLeaderChange(boolean canRead, NodeException refusal, long nowNanos) {
        if (round != null) {
            List<Waiters.Read> again = new ArrayList<>(round.reads);
            again.addAll(waiting);
            waiting = again;
            round = null;
        }
        if (!canRead) {
            failWaiting(refusal);
            return;
        }
        maybeStart(refusal, nowNanos);
    }

    /** Per tick: drop expired reads, restart a round that went unanswered for too long. */
    void onTick(long nowNanos, NodeException refusal) {
        waiting.removeIf(r -> expired(r, nowNanos));
        if (round != null) {
            round.reads.removeIf(r -> expired(r, nowNanos));
            if (nowNanos - round.startedNanos > retryNanos || round.reads.isEmpty()) {
                List<Waiters.Read> again = new ArrayList<>(round.reads);
                again.addAll(waiting);
                waiting = again;
                round = null;
            }
        }
        maybeStart(refusal, nowNanos);
    }

    void failAll(NodeException cause) {
        if (round != null) {
            round.reads.forEach(r -> sink.failed(r, cause));
            round = null;
        }
        failWaiting(cause);
    }

    /** ReadIndex rounds started so far (for tests and metrics). */
    long rounds() {
        return rounds;
    }

    int waiting() {
        return waiting.size() + (round == null ? 0 : round.reads.size());
    }

    private boolean expired(Waiters.Read r, long nowNanos) {
        if (r.deadlineNanos() - nowNanos >= 0) {
            return false;
        }
        sink.failed(r, NodeException.of(ErrorDetail.Code.NO_QUORUM,
                "the leader could not confirm its leadership with a quorum within the request timeout"));
        return true;
    }

    private void maybeStart(NodeException refusal, long nowNanos) {
        if (round != null || waiting.isEmpty()) {
            return;
        }
        long ctx = ++lastCtx;
        List<Waiters.Read> batch = waiting;
        waiting = new ArrayList<>();
        if (!sink.startRound(ctx)) {
            batch.forEach(r -> sink.failed(r, refusal));
            return;
        }
        rounds++;
        round = new Round(ctx, batch, nowNanos);
    }

    private void failWaiting(NodeException cause) {
        waiting.forEach(r -> sink.failed(r, cause));
        waiting = new ArrayList<>();
    }
}
