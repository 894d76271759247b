package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;
import io.raftkv.storage.Applied;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Requests waiting for the cluster. Proposals are keyed by their log index (registered by the raft thread
 * when the core appends them, resolved by the apply thread when that index is applied); whoever removes
 * an entry from the map completes it, so a proposal is completed exactly once even when the apply thread
 * and the raft thread's deadline sweep race.
 */
final class PendingRequests {
    record Proposal(long term, long deadlineNanos, CompletableFuture<Applied> future) {
    }

    record Read(long index, long deadlineNanos, CompletableFuture<Long> future) {
    }

    private final ConcurrentSkipListMap<Long, Proposal> proposals = new ConcurrentSkipListMap<>();
    /** ReadIndex requests awaiting their ReadState, keyed by request context (raft thread only). */
    private final Map<Long, Read> awaitingReadState = new java.util.HashMap<>();
    /** Reads whose index is known, waiting for apply to reach it (apply thread only). */
    private final PriorityQueue<Read> awaitingApply = new PriorityQueue<>((a, b) -> Long.compare(a.index, b.index));

    /**
     * Raft thread: the leader appended {@code p} at {@code index}. Any proposal still waiting at that index
     * or beyond from an older term is dead: this leader's log ended just before {@code index} and holds
     * every committed entry (leader completeness), so those entries were truncated and can never commit.
     * Answering them here matters: otherwise the newer proposal would overwrite the older one in the map
     * and the older client would wait forever (neither apply nor the deadline sweep could find it).
     */
    void addProposal(long index, Proposal p) {
        for (Map.Entry<Long, Proposal> e : proposals.tailMap(index, true).entrySet()) {
            Proposal old = e.getValue();
            if (old.term < p.term && proposals.remove(e.getKey(), old)) {
                old.future.completeExceptionally(NodeException.of(ErrorDetail.Code.NO_LEADER, "leadership changed and "
                        + "the entry at index " + e.getKey() + " was replaced before it committed (it was not applied); retry"));
            }
        }
        Proposal clash = proposals.put(index, p);
        if (clash != null) {
            throw new IllegalStateException("two proposals of term " + p.term + " at index " + index);
        }
    }

    /** Apply thread: resolves the proposal at {@code a.index()}, if this node made one. */
    void applied(Applied a) {
        Proposal p = proposals.remove(a.index());
        if (p == null) {
            return;
        }
        if (p.term == a.term()) {
            p.future.complete(a);
        } else {
            // Another leader's entry took this index: ours was never committed, so a retry is safe.
            p.future.completeExceptionally(NodeException.of(ErrorDetail.Code.NO_LEADER,
                    "leadership changed before the write committed (it was not applied); retry"));
        }
    }

    /** Raft thread: context for a ReadIndex request. */
    void awaitReadState(long ctx, Read r) {
        awaitingReadState.put(ctx, r);
    }

    /** Raft thread: the read state arrived; returns the read to hand to the apply thread, if still wanted. */
    Read readStateArrived(long ctx, long index) {
        Read r = awaitingReadState.remove(ctx);
        return r == null ? null : new Read(index, r.deadlineNanos, r.future);
    }

    /** Apply thread. */
    void awaitApply(Read r, long appliedIndex) {
        if (r.index <= appliedIndex) {
            r.future.complete(appliedIndex);
        } else {
            awaitingApply.add(r);
        }
    }

    /** Apply thread: serves every read whose index is now applied. */
    void appliedThrough(long appliedIndex) {
        while (!awaitingApply.isEmpty() && awaitingApply.peek().index <= appliedIndex) {
            awaitingApply.poll().future.complete(appliedIndex);
        }
    }

    /** Raft thread: fails everything past its deadline. */
    void expire(long nowNanos) {
        for (Iterator<Map.Entry<Long, Proposal>> it = proposals.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Proposal> e = it.next();
            if (e.getValue().deadlineNanos - nowNanos < 0 && proposals.remove(e.getKey(), e.getValue())) {
                e.getValue().future.completeExceptionally(NodeException.of(ErrorDetail.Code.NO_QUORUM,
                        "write at index " + e.getKey() + " did not commit within the request timeout (no quorum?); "
                                + "its outcome is unknown: retry only through a session"));
            }
        }
        List<Long> expired = new ArrayList<>();
        awaitingReadState.forEach((ctx, r) -> {
            if (r.deadlineNanos - nowNanos < 0) {
                expired.add(ctx);
            }
        });
        for (long ctx : expired) {
            awaitingReadState.remove(ctx).future.completeExceptionally(NodeException.of(ErrorDetail.Code.NO_QUORUM,
                    "the leader could not confirm its leadership with a quorum within the request timeout"));
        }
    }

    /** Raft thread: a new term or lost leadership makes outstanding ReadIndex requests unanswerable. */
    void failReads(NodeException cause) {
        awaitingReadState.values().forEach(r -> r.future.completeExceptionally(cause));
        awaitingReadState.clear();
    }

    /** Shutdown or storage failure: fail everything still waiting. */
    void failAll(NodeException cause) {
        for (Long index : List.copyOf(proposals.keySet())) {
            Proposal p = proposals.remove(index);
            if (p != null) {
                p.future.completeExceptionally(cause);
            }
        }
        failReads(cause);
    }

    /** Apply thread, at shutdown. */
    void failAppliedWaiters(NodeException cause) {
        while (!awaitingApply.isEmpty()) {
            awaitingApply.poll().future.completeExceptionally(cause);
        }
    }

    int proposalCount() {
        return proposals.size();
    }
}
