package io.raftkv.server.transport;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.raftkv.proto.peer.HelloRequest;
import io.raftkv.proto.peer.RaftPeerGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a founding member starting on an empty data directory asks its peers first (etcd's "member has
 * already been bootstrapped" check): whether any of them has seen its id with another data directory. If
 * one has, starting would let a node that forgot its votes and acknowledged entries take part. Peers that
 * cannot be reached in time do not block the start (a new cluster's members start together); they refuse
 * the node's traffic later if they know it, and it then stops serving.
 */
public final class StartupCheck {
    private StartupCheck() {
    }

    /** What a node with a recreated data directory is told (by its peers, or by its own log). */
    public static String replacedWhy(long nodeId) {
        return PeerRefusal.replacedWhy(nodeId, 0);
    }

    /** The first refusal a peer answered with, or empty. */
    public static Optional<String> refusal(TransportConfig config, long incarnation, Duration timeout) {
        return refusal(config, incarnation, timeout, PeerTls.plaintext());
    }

    /** The first refusal a peer answered with, or empty; the peers are asked over {@code tls}. */
    public static Optional<String> refusal(TransportConfig config, long incarnation, Duration timeout, PeerTls tls) {
        List<ManagedChannel> channels = new ArrayList<>();
        List<CompletableFuture<String>> answers = new ArrayList<>();
        try {
            for (Map.Entry<Long, String> p : config.peers().entrySet()) {
                ManagedChannel ch = NettyChannelBuilder.forTarget(p.getValue(), tls.channelCredentials(p.getKey())).build();
                channels.add(ch);
                HelloRequest req = HelloRequest.newBuilder().setClusterId(config.clusterId()).setFrom(config.nodeId())
                        .setTo(p.getKey()).setIncarnation(incarnation).build();
                answers.add(CompletableFuture.supplyAsync(() -> ask(ch, req, timeout)));
            }
            for (CompletableFuture<String> a : answers) {
                String refused = a.join();
                if (refused != null) {
                    return Optional.of(refused);
                }
            }
            return Optional.empty();
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    private static String ask(ManagedChannel ch, HelloRequest req, Duration timeout) {
        try {
            RaftPeerGrpc.newBlockingStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).hello(req);
            return null;
        } catch (StatusRuntimeException e) {
            return PeerRefusal.of(e) == PeerRefusal.REPLACED ? e.getStatus().getDescription() : null;
        }
    }
}
