package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;
import io.raftkv.storage.Applied;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Client requests waiting for the state machine: proposals by log index, linearizable reads by the index
 * they must see applied. Owned by the apply thread alone; every answer is queued as a {@link Reply} for
 * the responder, never completed here.
 */
final class Waiters {
    /** A write the leader appended at {@code index} in {@code term}. */
    record Proposal(long index, long term, long deadlineNanos, CompletableFuture<Applied> future) {
    }

    /** A read to serve once applied reaches its confirmed read index. */
    record Read(long deadlineNanos, CompletableFuture<Long> future) {
    }

    private record ReadAt(long index, Read read) {
    }

    private final TreeMap<Long, Proposal> proposals = new TreeMap<>();
    /** Proposals answered with an error since {@link #takeFailed()} last ran (metrics). */
    private int failed;
    private final PriorityQueue<ReadAt> reads = new PriorityQueue<>((a, b) -> Long.compare(a.index, b.index));

    /**
     * The leader appended {@code p}. Any proposal still waiting at that index or beyond from an older term
     * is dead: this leader's log ended just before {@code p.index()} and holds every committed entry (leader
     * completeness), so those entries were truncated and can never commit. Answering them here matters:
     * the newer proposal used to overwrite the older one, whose client then waited forever (issue 12).
     */
    void track(Proposal p, List<Reply> out) {
        for (Iterator<Proposal> it = proposals.tailMap(p.index, true).values().iterator(); it.hasNext(); ) {
            Proposal old = it.next();
            if (old.term < p.term) {
                it.remove();
                failed++;
                out.add(new Reply.Failed(old.future, NodeException.of(ErrorDetail.Code.NO_LEADER, "leadership changed "
                        + "and the entry at index " + old.index + " was replaced before it committed (it was not applied); retry")));
            }
        }
        if (proposals.put(p.index, p) != null) {
            throw new IllegalStateException("two proposals of term " + p.term + " at index " + p.index);
        }
    }

    /** Answers the proposal at {@code a.index()}, if this node made one. */
    void applied(Applied a, List<Reply> out) {
        Proposal p = proposals.remove(a.index());
        if (p == null) {
            return;
        }
        if (p.term == a.term()) {
            out.add(new Reply.Written(p.future, a));
        } else {
            failed++;
            // Another leader's entry took this index: ours was never committed, so a retry is safe.
            out.add(new Reply.Failed(p.future, NodeException.of(ErrorDetail.Code.NO_LEADER,
                    "leadership changed before the write committed (it was not applied); retry")));
        }
    }

    void awaitApply(long index, Read r, long appliedIndex, List<Reply> out) {
        if (index <= appliedIndex) {
            out.add(new Reply.ReadReady(r.future, appliedIndex));
        } else {
            reads.add(new ReadAt(index, r));
        }
    }

    /** Serves every read whose index is now applied. */
    void appliedThrough(long appliedIndex, List<Reply> out) {
        while (!reads.isEmpty() && reads.peek().index <= appliedIndex) {
            out.add(new Reply.ReadReady(reads.poll().read.future, appliedIndex));
        }
    }

    /** Fails everything past its deadline. */
    void expire(long nowNanos, List<Reply> out) {
        for (Iterator<Map.Entry<Long, Proposal>> it = proposals.entrySet().iterator(); it.hasNext(); ) {
            Proposal p = it.next().getValue();
            if (p.deadlineNanos - nowNanos < 0) {
                it.remove();
                failed++;
                out.add(new Reply.Failed(p.future, NodeException.of(ErrorDetail.Code.NO_QUORUM, "write at index " + p.index
                        + " did not commit within the request timeout (no quorum?); its outcome is unknown: retry only "
                        + "through a session")));
            }
        }
        if (!reads.isEmpty()) {
            reads.removeIf(r -> {
                if (r.read.deadlineNanos - nowNanos >= 0) {
                    return false;
                }
                out.add(new Reply.Failed(r.read.future, NodeException.of(ErrorDetail.Code.NO_QUORUM, "the read index "
                        + r.index + " was not applied here within the request timeout")));
                return true;
            });
        }
    }

    void failAll(NodeException cause, List<Reply> out) {
        failed += proposals.size();
        proposals.values().forEach(p -> out.add(new Reply.Failed(p.future, cause)));
        proposals.clear();
        reads.forEach(r -> out.add(new Reply.Failed(r.read.future, cause)));
        reads.clear();
    }

    int proposalCount() {
        return proposals.size();
    }

    /** Proposals failed since the last call. */
    int takeFailed() {
        int n = failed;
        failed = 0;
        return n;
    }
}
