package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Pending ReadIndex requests on a leader (thesis §6.4), batched into heartbeat rounds. A request is
 * stamped with the commit index at arrival and waits for the next round; a round (a leader-local
 * sequence number carried by its heartbeats) covers exactly the requests that arrived before it was
 * sent. A peer echoing round e vouches for every round up to e: those heartbeats left after all their
 * requests arrived. Requests that arrive while a round is in flight wait for the next one instead of
 * each starting its own (etcd's server batches reads the same way), so read load adds at most one
 * heartbeat round in flight. Callers' contexts need not be unique across nodes; the sequence is.
 */
final class ReadOnly {
    record Request(long index, long from, long ctx) {
    }

    /** Requests no round covers yet, in arrival order. */
    private List<Request> waiting = new ArrayList<>();
    /** Rounds sent and not yet confirmed: sequence number to requests. */
    private final TreeMap<Long, List<Request>> rounds = new TreeMap<>();
    /** The highest round each peer echoed under this leadership. */
    private final TreeMap<Long, Long> echoed = new TreeMap<>();
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

    /** Opens a round for every waiting request; returns its sequence number. */
    long startRound() {
        long seq = ++lastSeq;
        rounds.put(seq, waiting);
        waiting = new ArrayList<>();
        return seq;
    }

    void recvEcho(long peer, long round) {
        echoed.merge(peer, round, Math::max);
    }

    /** Peers and the highest round each echoed. */
    TreeMap<Long, Long> echoes() {
        return echoed;
    }

    /** Rounds in flight, newest first. */
    List<Long> roundsNewestFirst() {
        return new ArrayList<>(rounds.descendingKeySet());
    }

    /** Removes round {@code seq} and every earlier one; returns their requests in arrival order. */
    List<Request> release(long seq) {
        List<Request> out = new ArrayList<>();
        while (!rounds.isEmpty() && rounds.firstKey() <= seq) {
            out.addAll(rounds.pollFirstEntry().getValue());
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
