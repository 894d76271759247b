package io.raftkv.server.transport;

import io.grpc.HandlerRegistry;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Message;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One node for transport tests: a real RaftStore, a recording inbox, a Netty peer server on 127.0.0.1 and
 * (once {@link #connect} is called) a PeerTransport. The server starts before the transport exists (ports
 * must be known to build every node's peer map), so it serves through a registry filled in later.
 */
final class TestNode implements AutoCloseable {
    static final ConfState MEMBERS = ConfState.of(List.of(1L, 2L, 3L));

    final long id;
    final long clusterId;
    final RaftStore store;
    final RecordingInbox inbox = new RecordingInbox();
    private final LateRegistry registry = new LateRegistry();
    private final List<ServerInterceptor> interceptors;
    private volatile Server server;
    private int port;
    PeerTransport transport;
    TransportConfig config;

    TestNode(long id, long clusterId, Path dir, int snapshotChunkBytes, ServerInterceptor... interceptors) {
        this.id = id;
        this.clusterId = clusterId;
        this.interceptors = List.of(interceptors);
        this.store = RaftStore.open(StoreConfig.of(dir, id, "cluster-" + clusterId).withInitialMembers(MEMBERS)
                .withSnapshotChunkBytes(snapshotChunkBytes));
        startServer(0);
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    /** The config this node would use with {@code peers}, with timings short enough for tests. */
    TransportConfig config(SortedMap<Long, String> peers) {
        return TransportConfig.defaults(id, clusterId, "client-of-" + id + ":1234", peers)
                .withBackoff(java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(200))
                .withSnapshotStall(java.time.Duration.ofSeconds(5));
    }

    /** Creates the transport and serves it, without starting its senders. */
    void prepare(TransportConfig c) {
        config = c;
        transport = new PeerTransport(c, store, inbox);
        registry.service = ServerInterceptors.intercept(transport.service(), interceptors);
    }

    void connect(TransportConfig c) {
        prepare(c);
        transport.start();
    }

    void send(Message... messages) {
        transport.send(List.of(messages));
    }

    void stopServer() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Restarts the peer server on the port it had (a node coming back at its address). */
    void restartServer() {
        startServer(port);
    }

    private void startServer(int p) {
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", p)).fallbackHandlerRegistry(registry);
        // The config only matters for the batch size here; defaults are what the node uses.
        PeerTransport.configurePeerServer(b, TransportConfig.defaults(id, clusterId, "", new java.util.TreeMap<>()));
        try {
            server = b.build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        port = server.getPort();
    }

    @Override
    public void close() {
        if (transport != null) {
            transport.close();
        }
        try {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            store.close();
        }
    }

    /** A registry whose service is set after the server started. */
    private static final class LateRegistry extends HandlerRegistry {
        volatile ServerServiceDefinition service;

        @Override
        public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
            ServerServiceDefinition s = service;
            return s == null ? null : s.getMethod(methodName);
        }
    }

    record SnapshotReport(long peer, boolean success) {
    }

    record Address(long peer, String address) {
    }

    /** Everything the transport hands to the node, in arrival order. */
    static final class RecordingInbox implements Inbox {
        final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
        final BlockingQueue<Long> unreachable = new LinkedBlockingQueue<>();
        final BlockingQueue<SnapshotReport> snapshots = new LinkedBlockingQueue<>();
        final BlockingQueue<Address> addresses = new LinkedBlockingQueue<>();
        final ConcurrentHashMap<Long, String> known = new ConcurrentHashMap<>();
        final BlockingQueue<String> replaced = new LinkedBlockingQueue<>();

        @Override
        public void replaced(String why) {
            replaced.add(why);
        }

        @Override
        public void receive(Message message) {
            received.add(message);
        }

        @Override
        public void reportUnreachable(long peer) {
            unreachable.add(peer);
        }

        @Override
        public void reportSnapshot(long peer, boolean success) {
            snapshots.add(new SnapshotReport(peer, success));
        }

        @Override
        public void learnClientAddress(long peer, String clientAddress) {
            known.put(peer, clientAddress);
            addresses.add(new Address(peer, clientAddress));
        }
    }
}
