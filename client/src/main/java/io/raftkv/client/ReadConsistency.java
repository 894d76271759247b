package io.raftkv.client;

/** Which replica state a read may observe. */
public enum ReadConsistency {
    /**
     * Served by the leader after a ReadIndex round with a quorum: sees every write acknowledged before the
     * read started. Needs a leader and a quorum.
     */
    LINEARIZABLE,
    /**
     * Served by any node (the leader included) from its local replica, spread round-robin over the nodes
     * whose circuit breaker admits requests: possibly stale, but answers without a quorum (graceful degradation).
     */
    SERIALIZABLE
}
