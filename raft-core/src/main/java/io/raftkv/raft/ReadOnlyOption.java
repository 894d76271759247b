package io.raftkv.raft;

/** How the leader confirms it may serve a read (thesis §6.4). */
public enum ReadOnlyOption {
    /** ReadIndex: one heartbeat round to a quorum per batch of reads. Safe without clock assumptions. */
    SAFE,
    /**
     * Leader lease: no round trip; the leader trusts that no other leader can exist within an election
     * timeout of its last quorum contact. Correct only if clock drift between nodes is bounded well
     * below the election timeout; requires check-quorum. Off by default.
     */
    LEASE_BASED
}
