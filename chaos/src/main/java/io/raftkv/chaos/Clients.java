package io.raftkv.chaos;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.raftkv.proto.KVGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per node, shared by every worker thread; the generated stubs are used directly, so
 * the harness alone decides what counts as ok, fail and info (no client library retries behind its back).
 */
final class Clients implements AutoCloseable {
    private final Map<Integer, ManagedChannel> channels = new TreeMap<>();
    private final Map<String, Integer> byAddress = new TreeMap<>();

    Clients(Cluster cluster) {
        for (int node : cluster.nodes()) {
            String address = cluster.clientAddress(node);
            int colon = address.lastIndexOf(':');
            channels.put(node, NettyChannelBuilder.forAddress(address.substring(0, colon),
                    Integer.parseInt(address.substring(colon + 1)), cluster.clientCredentials()).build());
            byAddress.put(address, node);
        }
    }

    List<Integer> nodes() {
        return List.copyOf(channels.keySet());
    }

    KVGrpc.KVBlockingStub kv(int node, Duration deadline) {
        return KVGrpc.newBlockingStub(channel(node)).withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The node serving {@code clientAddress} (a NOT_LEADER redirect names the leader that way). */
    Optional<Integer> nodeAt(String clientAddress) {
        return Optional.ofNullable(byAddress.get(clientAddress));
    }

    /**
     * After a failure to connect: gRPC would otherwise wait out an exponential backoff (up to two
     * minutes) before trying a restarted node again, which the harness would misreport as unavailability.
     */
    void resetBackoff(int node) {
        channel(node).resetConnectBackoff();
    }

    ManagedChannel channel(int node) {
        ManagedChannel ch = channels.get(node);
        if (ch == null) {
            throw new IllegalArgumentException("no node " + node);
        }
        return ch;
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel ch : channels.values()) {
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
