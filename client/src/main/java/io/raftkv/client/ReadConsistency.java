package io.raftkv.client;

/** Which replica state a read may observe. */
public enum ReadConsistency {
    /**
     * Sees every write acknowledged before the read started: the node that serves it (any member, spread
     * round-robin like serializable reads) first confirms the leader's commit index with a quorum (a
     * ReadIndex round) and waits until it has applied that far. Needs a leader and a quorum.
     */
    LINEARIZABLE,
    /**
     * Served by any node (the leader included) from its local replica, spread round-robin over the nodes
     * whose circuit breaker admits requests: possibly stale, but answers without a quorum (graceful degradation).
     */
    SERIALIZABLE
}
