package io.raftkv.server.transport;

import io.raftkv.raft.Message;

/**
 * Where the transport delivers what arrives from peers. Called from gRPC threads: implementations only
 * enqueue work for the node's raft thread and never block.
 */
public interface Inbox {
    /**
     * A Raft message from a peer. An {@link Message.InstallSnapshot} is delivered only after its whole
     * image was received, verified and stored (see {@code RaftStore.receiveSnapshot}); its snapshot
     * carries metadata only.
     */
    void receive(Message message);

    /** A send to {@code peer} failed or its queue overflowed: the core should stop pipelining to it. */
    void reportUnreachable(long peer);

    /**
     * {@code peer}'s address refused a connection: nothing listens there, so its process is gone (a
     * partition looks like silence instead). A follower uses it to stop waiting out a dead leader's lease.
     */
    default void peerDown(long peer) {
    }

    /** The outcome of streaming a snapshot image to {@code peer}. */
    void reportSnapshot(long peer, boolean success);

    /** A peer announced the address of its client API (used to redirect clients to the leader). */
    void learnClientAddress(long peer, String clientAddress);

    /** Whether {@code peer} was removed from the cluster (its traffic is then refused, and it is told why). */
    default boolean isRemoved(long peer) {
        return false;
    }

    /**
     * A peer refused this node's traffic because this node was removed from the cluster: the way a node
     * removed while cut off (so that it never applied its removal) finds out (etcd does the same).
     */
    default void removedFromCluster(String why) {
    }

    /**
     * A peer refused this node's traffic because it knows this node's id under another data directory:
     * this one was recreated (lost disk, restored again) and must be replaced, never take part.
     */
    default void replaced(String why) {
    }

    /** This node's space, answered to every probe. */
    default Usage usage() {
        return Usage.UNKNOWN;
    }

    /** A probe of {@code peer} told its space. */
    default void peerUsage(long peer, Usage usage) {
    }

    /** The corruption check: this node's hash of its state right after log index {@code index}. */
    default HashAnswer stateHash(long index) {
        return HashAnswer.UNKNOWN;
    }
}
