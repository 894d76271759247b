package io.raftkv.raft;

import java.util.Map;

/**
 * The safety rules of the protocol, each as one small decision, so that a test can break exactly one
 * of them and prove that the simulator notices (a check that cannot fail proves nothing). Production
 * code uses {@link RaftRules} only, and no other implementation exists outside the test tree.
 */
interface Rules {

    /** Raft §5.4.1: a vote goes only to a candidate whose log is at least as up to date as ours. */
    boolean candidateUpToDate(RaftLog log, long candidateLastIndex, long candidateLastTerm);

    /**
     * Raft §5.4.2: a leader commits by counting replicas only an entry of its own term (older ones
     * commit with it).
     */
    boolean mayCommitByCounting(RaftLog log, long index, long leaderTerm);

    /**
     * What the leader counts as its own replica toward a quorum: only what it persisted (thesis §10.2.1
     * lets it send before its own write completes, so counting unsynced entries could commit an entry a
     * crash then loses).
     */
    long leaderSelfMatch(RaftLog log);

    /**
     * A leader proposes a membership change only when the previous one is applied, and after it
     * committed an entry of its term (single-server changes, Ongaro, raft-dev 2015).
     */
    boolean mayProposeConfChange(long pendingConfIndex, long applied, boolean committedInTerm);

    /**
     * The pending conf-change index of a new leader: any entry of its log may be a change it has not
     * applied yet, so none may be proposed before all of them are (a change takes effect when applied:
     * until then the leader does not know the configuration it would change).
     */
    long pendingConfIndexAtElection(RaftLog log);

    /** Thesis §6.4: a read round is confirmed once a quorum of the configuration echoed it. */
    boolean readRoundConfirmed(ConfState config, Map<Long, Boolean> acks);

    /**
     * Whether a peer that echoed round {@code echoedRound} vouches for round {@code round}: only if its
     * heartbeat left after every read of that round arrived, i.e. it carried that round or a later one.
     */
    boolean echoConfirmsRound(long echoedRound, long round);
}
