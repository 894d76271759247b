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
 * @param maxBatchBytes      bytes per MessageBatch on the stream
 * @param backoffBase        first reconnect delay; doubles up to backoffCap, with full jitter
 * @param backoffCap         longest reconnect delay
 * @param keepAlive          gRPC keepalive time on peer channels
 */
public record TransportConfig(long nodeId, long clusterId, String clientAddress, SortedMap<Long, String> peers,
                              int maxQueuedMessages, int maxBatchBytes, Duration backoffBase, Duration backoffCap,
                              Duration keepAlive) {
    public TransportConfig {
        peers = Collections.unmodifiableSortedMap(new TreeMap<>(peers));
        if (peers.containsKey(nodeId)) {
            throw new IllegalArgumentException("peers must not include this node (" + nodeId + ")");
        }
    }

    public static TransportConfig defaults(long nodeId, long clusterId, String clientAddress, SortedMap<Long, String> peers) {
        return new TransportConfig(nodeId, clusterId, clientAddress, peers, 4096, 4 << 20,
                Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ofSeconds(10));
    }
}
