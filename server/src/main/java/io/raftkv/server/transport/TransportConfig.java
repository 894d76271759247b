package io.raftkv.server.transport;

import java.time.Duration;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Settings of the peer transport.
 *
 * @param nodeId             this node
 * @param clusterId          batches from another cluster are rejected
 * @param clientAddress      this node's client API address, announced to peers
 * @param peers              peer id to host:port of its peer API (this node excluded)
 * @param maxQueuedMessages  per-peer send queue bound; beyond it messages are dropped and the peer
 *                           reported unreachable (a slow peer never blocks the raft thread or others)
 * @param maxQueuedBytes     the same bound in bytes of entry payload: a count alone let 4,096 appends
 *                           of 1 MiB each queue up for one returning follower
 * @param maxBatchBytes      bytes per MessageBatch on the stream
 * @param backoffBase        first reconnect delay; doubles up to backoffCap, with full jitter
 * @param backoffCap         longest reconnect delay
 * @param keepAlive          gRPC keepalive time on peer channels (gRPC raises anything below 10 s to 10 s)
 * @param staleAfter         a queued message older than this is dropped instead of sent: after an outage
 *                           the core has moved on and retransmits what still matters
 * @param snapshotStall      a snapshot transfer attempt that makes no progress for this long is abandoned
 *                           (and resumed, up to a few attempts)
 */
public record TransportConfig(long nodeId, long clusterId, String clientAddress, SortedMap<Long, String> peers,
                              int maxQueuedMessages, long maxQueuedBytes, int maxBatchBytes, Duration backoffBase,
                              Duration backoffCap, Duration keepAlive, Duration staleAfter, Duration snapshotStall) {
    public static final Duration DEFAULT_STALE_AFTER = Duration.ofSeconds(2);
    public static final Duration DEFAULT_SNAPSHOT_STALL = Duration.ofSeconds(30);
    public static final long DEFAULT_QUEUED_BYTES = 8L << 20;

    public TransportConfig {
        peers = Collections.unmodifiableSortedMap(new TreeMap<>(peers));
        if (peers.containsKey(nodeId)) {
            throw new IllegalArgumentException("peers must not include this node (" + nodeId + ")");
        }
        if (clientAddress == null) {
            clientAddress = "";
        }
        if (maxQueuedMessages < 1 || maxQueuedBytes < 1 || maxBatchBytes < 1) {
            throw new IllegalArgumentException("maxQueuedMessages, maxQueuedBytes and maxBatchBytes must be positive: "
                    + maxQueuedMessages + ", " + maxQueuedBytes + ", " + maxBatchBytes);
        }
        if (backoffBase.isNegative() || backoffBase.isZero() || backoffCap.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException("need 0 < backoffBase <= backoffCap: " + backoffBase + ", " + backoffCap);
        }
        if (!positive(keepAlive) || !positive(staleAfter) || !positive(snapshotStall)) {
            throw new IllegalArgumentException("keepAlive, staleAfter and snapshotStall must be positive");
        }
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    /** The original nine settings, with the default staleness and snapshot stall limits. */
    public TransportConfig(long nodeId, long clusterId, String clientAddress, SortedMap<Long, String> peers,
                           int maxQueuedMessages, int maxBatchBytes, Duration backoffBase, Duration backoffCap,
                           Duration keepAlive) {
        this(nodeId, clusterId, clientAddress, peers, maxQueuedMessages, DEFAULT_QUEUED_BYTES, maxBatchBytes, backoffBase,
                backoffCap, keepAlive, DEFAULT_STALE_AFTER, DEFAULT_SNAPSHOT_STALL);
    }

    public static TransportConfig defaults(long nodeId, long clusterId, String clientAddress, SortedMap<Long, String> peers) {
        return new TransportConfig(nodeId, clusterId, clientAddress, peers, 4096, 4 << 20,
                Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ofSeconds(10));
    }

    public TransportConfig withPeers(SortedMap<Long, String> newPeers) {
        return new TransportConfig(nodeId, clusterId, clientAddress, newPeers, maxQueuedMessages, maxQueuedBytes, maxBatchBytes,
                backoffBase, backoffCap, keepAlive, staleAfter, snapshotStall);
    }

    public TransportConfig withQueue(int newMaxQueuedMessages, int newMaxBatchBytes) {
        return new TransportConfig(nodeId, clusterId, clientAddress, peers, newMaxQueuedMessages, maxQueuedBytes, newMaxBatchBytes,
                backoffBase, backoffCap, keepAlive, staleAfter, snapshotStall);
    }

    public TransportConfig withQueuedBytes(long newMaxQueuedBytes) {
        return new TransportConfig(nodeId, clusterId, clientAddress, peers, maxQueuedMessages, newMaxQueuedBytes, maxBatchBytes,
                backoffBase, backoffCap, keepAlive, staleAfter, snapshotStall);
    }

    public TransportConfig withBackoff(Duration base, Duration cap) {
        return new TransportConfig(nodeId, clusterId, clientAddress, peers, maxQueuedMessages, maxQueuedBytes, maxBatchBytes, base,
                cap, keepAlive, staleAfter, snapshotStall);
    }

    public TransportConfig withStaleAfter(Duration d) {
        return new TransportConfig(nodeId, clusterId, clientAddress, peers, maxQueuedMessages, maxQueuedBytes, maxBatchBytes,
                backoffBase, backoffCap, keepAlive, d, snapshotStall);
    }

    public TransportConfig withSnapshotStall(Duration d) {
        return new TransportConfig(nodeId, clusterId, clientAddress, peers, maxQueuedMessages, maxQueuedBytes, maxBatchBytes,
                backoffBase, backoffCap, keepAlive, staleAfter, d);
    }
}
