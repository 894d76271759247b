package io.raftkv.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Pending ReadIndex requests on a leader (thesis §6.4). Each request is stamped with the commit index at
 * arrival and a leader-local sequence number; a heartbeat round carries the newest sequence number, and
 * once a quorum echoes it, that request and every earlier one may be served: leadership was confirmed
 * after all of them arrived. Callers' contexts need not be unique across nodes, the sequence is.
 */
final class ReadOnly {
    record Request(long seq, long index, long from, long ctx, TreeMap<Long, Boolean> acks) {
    }

    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private long nextSeq;

    ReadOnly(long firstSeq) {
        this.nextSeq = firstSeq;
    }

    long add(long commitIndex, long from, long ctx) {
        long seq = ++nextSeq;
        queue.addLast(new Request(seq, commitIndex, from, ctx, new TreeMap<>()));
        return seq;
    }

    /** Records an echo of {@code seq}; returns that request's acks, or null if it is no longer pending. */
    TreeMap<Long, Boolean> recvAck(long id, long seq) {
        for (Request r : queue) {
            if (r.seq == seq) {
                r.acks.put(id, true);
                return r.acks;
            }
        }
        return null;
    }

    /** Removes and returns every request up to and including {@code seq}. */
    List<Request> advance(long seq) {
        List<Request> out = new ArrayList<>();
        while (!queue.isEmpty() && queue.peekFirst().seq <= seq) {
            out.add(queue.pollFirst());
        }
        return out;
    }

    /** The sequence number heartbeats should carry (0 when nothing is pending). */
    long lastPendingSeq() {
        return queue.isEmpty() ? 0 : queue.peekLast().seq;
    }

    long lastSeq() {
        return nextSeq;
    }
}
