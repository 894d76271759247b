package io.raftkv.raft;

/**
 * A linearizable read may be served once the state machine has applied {@code index}: at the time the
 * read arrived, the leader had committed up to {@code index} and a quorum confirmed it was still leader.
 * {@code requestCtx} is the caller's id for the read, returned unchanged.
 */
public record ReadState(long index, long requestCtx) {
}
