package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Pending ReadIndex requests on a leader (thesis §6.4), batched into heartbeat rounds. A request is
 * stamped with the commit index at arrival and waits for the next round; a round (a leader-local
 * sequence number carried by its heartbeats) covers exactly the requests that arrived before it was
 * sent. Once a quorum echoes a round, its requests and every earlier round's may be served: leadership
 * was confirmed after all of them arrived. Requests that arrive while a round is in flight wait for the
 * next one instead of each starting its own (etcd's server batches reads the same way), so read load
 * adds at most one heartbeat round in flight. Callers' contexts need not be unique across nodes; the
 * sequence is.
 */
final class ReadOnly {
    record Request(long index, long from, long ctx) {
    }

    private record Round(List<Request> requests, TreeMap<Long, Boolean> acks) {
    }

    /** Requests no round covers yet, in arrival order. */
    private List<Request> waiting = new ArrayList<>();
    /** Rounds sent and not yet confirmed, by sequence number. */
    private final TreeMap<Long, Round> rounds = new TreeMap<>();
    private long lastSeq;

    ReadOnly(long lastSeq) {
        this.lastSeq = lastSeq;
    }

    void add(long commitIndex, long from, long ctx) {
        waiting.add(new Request(commitIndex, from, ctx));
    }

    boolean hasWaiting() {
        return !waiting.isEmpty();
    }

    boolean roundInFlight() {
        return !rounds.isEmpty();
    }

    /** Opens a round for every waiting request, acknowledged by the leader itself; returns its sequence. */
    long startRound(long self) {
        long seq = ++lastSeq;
        TreeMap<Long, Boolean> acks = new TreeMap<>();
        acks.put(self, true);
        rounds.put(seq, new Round(waiting, acks));
        waiting = new ArrayList<>();
        return seq;
    }

    /** Records an echo of round {@code seq}; returns its acks, or null if it is no longer pending. */
    TreeMap<Long, Boolean> recvAck(long id, long seq) {
        Round r = rounds.get(seq);
        if (r == null) {
            return null;
        }
        r.acks.put(id, true);
        return r.acks;
    }

    TreeMap<Long, Boolean> acks(long seq) {
        Round r = rounds.get(seq);
        return r == null ? null : r.acks;
    }

    /** Removes round {@code seq} and every earlier one; returns their requests in arrival order. */
    List<Request> release(long seq) {
        List<Request> out = new ArrayList<>();
        while (!rounds.isEmpty() && rounds.firstKey() <= seq) {
            out.addAll(rounds.pollFirstEntry().getValue().requests);
        }
        return out;
    }

    /** The round heartbeats should carry: the newest in flight, 0 when none. */
    long newestRound() {
        return rounds.isEmpty() ? 0 : rounds.lastKey();
    }

    long lastSeq() {
        return lastSeq;
    }
}
