package io.raftkv.server;

import io.raftkv.raft.Message;
import io.raftkv.raft.Ready;
import io.raftkv.storage.Applied;
import java.util.concurrent.CompletableFuture;

/**
 * Everything the raft thread is handed, as values: from the transport (peer messages and delivery
 * reports), from clients through admission (proposals, reads, operator requests) and from the log
 * writer (a Ready is durable, or the disk failed). The raft thread is the only consumer.
 */
sealed interface RaftInput {

    /** A client's request: refused with a retryable error if the node stops before running it. */
    sealed interface ClientRequest extends RaftInput {
        CompletableFuture<?> reply();
    }

    record PeerMessage(Message message) implements RaftInput {
    }

    record Unreachable(long peer) implements RaftInput {
    }

    record SnapshotReport(long peer, boolean success) implements RaftInput {
    }

    /** A peer's address refused a connection: its process is gone. */
    record PeerDown(long peer) implements RaftInput {
    }

    /** A write, already encoded as a log entry's payload; admitted, so it holds admission capacity. */
    record Propose(byte[] data, long deadlineNanos, CompletableFuture<Applied> reply) implements ClientRequest {
    }

    /** A linearizable read barrier: completes with an applied index at or past a confirmed read index. */
    record Read(long deadlineNanos, CompletableFuture<Long> reply) implements ClientRequest {
    }

    record Transfer(long target, CompletableFuture<Long> reply) implements ClientRequest {
    }

    record ChangeMembership(MembershipRules.Kind kind, long id, String peerAddress, String clientAddress,
                            long deadlineNanos, CompletableFuture<Applied> reply) implements ClientRequest {
    }

    /** The log writer made {@code ready} durable; its sync took {@code syncNanos} (0: not synced). */
    record Persisted(Ready ready, long syncNanos) implements RaftInput {
    }

    /** A stage failed in a way the node cannot serve through (disk, a broken invariant). */
    record Failed(String why, Throwable cause) implements RaftInput {
    }

    /** Tell the transport the peer set (at start: members added at runtime are known from storage only). */
    record RefreshPeers() implements RaftInput {
    }
}
