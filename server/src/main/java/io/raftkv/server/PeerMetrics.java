package io.raftkv.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.raftkv.server.transport.TransportMetrics;

/** The peer network in etcd's terms: bytes each way, send failures, drops and round-trip time per peer. */
final class PeerMetrics implements TransportMetrics {
    private static final double[] RTT_BUCKETS = {0.0001, 0.0002, 0.0004, 0.0008, 0.0016, 0.0032, 0.0064, 0.0128, 0.0256,
            0.0512, 0.1024, 0.2048, 0.4096, 0.8192};

    private final Counter sent;
    private final Counter received;
    private final Counter sendFailures;
    private final Counter dropped;
    private final Histogram rtt;

    PeerMetrics(PrometheusRegistry registry) {
        sent = Counter.builder().name("raftkv_network_peer_sent_bytes").help("Bytes of Raft messages sent to each peer")
                .labelNames("peer").register(registry);
        received = Counter.builder().name("raftkv_network_peer_received_bytes")
                .help("Bytes of Raft messages received from each peer").labelNames("peer").register(registry);
        sendFailures = Counter.builder().name("raftkv_network_peer_sent_failures")
                .help("Times the message stream to each peer failed (it is reopened with backoff)").labelNames("peer")
                .register(registry);
        dropped = Counter.builder().name("raftkv_network_peer_dropped_messages")
                .help("Messages for each peer dropped because its queue was full (count or bytes) or they went stale")
                .labelNames("peer").register(registry);
        rtt = Histogram.builder().name("raftkv_network_peer_round_trip_time_seconds")
                .help("Round-trip time of a probe to each peer's peer port").labelNames("peer")
                .classicUpperBounds(RTT_BUCKETS).classicOnly().register(registry);
    }

    @Override
    public void peerAdded(long peer) {
        String p = Long.toString(peer);
        sent.labelValues(p);
        received.labelValues(p);
        sendFailures.labelValues(p);
        dropped.labelValues(p);
        rtt.labelValues(p);
    }

    @Override
    public void sent(long peer, long bytes) {
        sent.labelValues(Long.toString(peer)).inc(bytes);
    }

    @Override
    public void received(long peer, long bytes) {
        received.labelValues(Long.toString(peer)).inc(bytes);
    }

    @Override
    public void sendFailed(long peer) {
        sendFailures.labelValues(Long.toString(peer)).inc();
    }

    @Override
    public void dropped(long peer, int count) {
        dropped.labelValues(Long.toString(peer)).inc(count);
    }

    @Override
    public void roundTrip(long peer, long nanos) {
        rtt.labelValues(Long.toString(peer)).observe(nanos / 1e9);
    }
}
