package io.raftkv.server;

import io.grpc.Server;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.raftkv.proto.KVGrpc;
import io.raftkv.raft.ConfState;
import io.raftkv.server.transport.NodeSecurity;
import io.raftkv.server.transport.PeerTransport;
import io.raftkv.server.transport.StartupCheck;
import io.raftkv.server.transport.TransportConfig;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running raftkv node: storage, the Raft driver threads, the peer transport and the client API.
 * The entry point for the CLI and for in-process tests.
 */
public final class RaftKvServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftKvServer.class);
    private static final java.time.Duration STARTUP_CHECK_TIMEOUT = java.time.Duration.ofSeconds(2);
    /** How long a corruption check waits for the members' hashes. */
    private static final java.time.Duration CHECK_TIMEOUT = java.time.Duration.ofSeconds(10);

    private final ServerConfig config;
    private final RaftStore store;
    private final RaftNode node;
    private final MaintenanceService maintenance;
    private final PeerTransport transport;
    private final Server peerServer;
    private final Server clientServer;
    private final KvService kv;
    private final HealthStatusManager health = new HealthStatusManager();
    private final ServerMetrics metrics = new ServerMetrics();
    private final HTTPServer metricsServer;
    private final ScheduledExecutorService healthUpdater;
    private final NodeHealth nodeHealth;
    private final ServerExecutors executors;
    private final Authenticator authenticator;
    private final StateChecker checker;
    private final SpaceMonitor space;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean closed;

    private RaftKvServer(ServerConfig config, io.raftkv.storage.StorageFaults faults) throws IOException {
        this.config = config;
        config.warnings().forEach(w -> LOG.warn("{}", w));
        // First: a certificate or key that cannot be used stops the start before anything is opened.
        NodeSecurity security = NodeSecurity.load(config.security().client(), config.security().clientCertAuth(),
                config.security().peer());
        this.executors = new ServerExecutors(config.nodeId(), Math.max(2, Runtime.getRuntime().availableProcessors()), 1024);
        this.authenticator = new Authenticator(config.nodeId());
        StoreConfig sc = StoreConfig.of(config.dataDir(), config.nodeId(), Long.toHexString(config.clusterId())).withFaults(faults);
        boolean fresh = RaftStore.isEmpty(config.dataDir());
        // A joining node starts empty: its first configuration and state come with the leader's snapshot.
        this.store = RaftStore.open(config.joining() ? sc : sc.withInitialMembers(ConfState.of(config.initialCluster().keySet())));
        if (fresh && !config.joining()) {
            refuseIfReplaced(config, store, security.peer());
        }
        RaftNode n = null;
        NodeHealth nh = null;
        MaintenanceService mt = null;
        PeerTransport t = null;
        Server ps = null;
        Server cs = null;
        KvService kv = null;
        HTTPServer ms = null;
        StateChecker ck = null;
        SpaceMonitor sp = null;
        try {
            n = new RaftNode(config, store, metrics);
            sp = new SpaceMonitor(config, n, store);
            n.attachSpace(sp);
            nh = new NodeHealth(config.nodeId(), n, store, health);
            n.attachHealth(nh);
            mt = new MaintenanceService(n, config);
            TreeMap<Long, String> peers = new TreeMap<>(config.initialCluster());
            peers.remove(config.nodeId());
            ServerConfig.HostPort client = ServerConfig.HostPort.parse(config.clientListen(), "--client-addr");
            ServerConfig.HostPort peer = ServerConfig.HostPort.parse(config.peerListen(), "--peer-addr");
            AuthGate gate = new AuthGate(store.stateMachine(), config.security().clientCertAuth(), config.limits());
            cs = executors.configure(NettyServerBuilder.forAddress(new InetSocketAddress(client.host(), client.port()),
                            security.clientCredentials()))
                    .addService(kv = new KvService(n, config.limits(), gate, metrics))
                    .addService(new ClusterService(n, config))
                    .addService(mt.definition())
                    .addService(new AuthService(n, gate, authenticator, config.security().authTokenTtl()))
                    .addService(health.getHealthService())
                    // Runs after the metrics interceptor (added later, called first), so refusals are counted.
                    .intercept(gate)
                    .intercept(metrics.interceptor())
                    // Oversized requests are rejected by the validator with the limit named; gRPC's own cap
                    // only stops absurd ones before they are buffered.
                    .maxInboundMessageSize(2 * config.limits().maxRequestBytes() + (64 << 10))
                    // A batch stream stays open while its client idles, and the client pings it (every 30 s by
                    // default): gRPC's default floor of 5 min would answer those pings with GOAWAY. etcd: 5 s.
                    .permitKeepAliveTime(5, TimeUnit.SECONDS)
                    .build().start();
            String announced = config.clientAdvertise() != null ? config.clientAdvertise() : client.host() + ":" + cs.getPort();
            TransportConfig tc = TransportConfig.defaults(config.nodeId(), config.clusterId(), announced, peers);
            t = new PeerTransport(tc, store, n, metrics.peers, security.peer());
            ps = PeerTransport.configurePeerServer(NettyServerBuilder.forAddress(new InetSocketAddress(peer.host(), peer.port()),
                            security.peerCredentials()), tc)
                    .addService(t.service())
                    .build().start();
            n.learnClientAddress(config.nodeId(), announced);
            metrics.watch(n, () -> store.stateMachine().appliedIndex(), config.space().quotaBytes());
            if (config.metricsListen() != null) {
                ServerConfig.HostPort m = ServerConfig.HostPort.parse(config.metricsListen(), "--metrics-addr");
                HTTPServer.Builder mb = HTTPServer.builder().hostname(m.host()).port(m.port()).registry(metrics.registry)
                        .defaultHandler(nh);
                if (security.clientTls()) {
                    mb.httpsConfigurator(security.metricsHttps());
                }
                ms = mb.buildAndStart();
            }
            t.start();
            PeerTransport transport = t;
            ck = new StateChecker(config, n, store, transport::askStateHash, CHECK_TIMEOUT);
            n.attachChecker(ck);
            n.start(new Outbox.Transport(t));
        } catch (IOException | RuntimeException e) {
            if (ms != null) {
                ms.close();
            }
            shutdownQuietly(cs, ps, t, n, kv);
            if (ck != null) {
                ck.close();
            }
            if (sp != null) {
                sp.close();
            }
            if (mt != null) {
                mt.close();
            }
            store.close();
            executors.close();
            authenticator.close();
            throw e;
        }
        this.node = n;
        this.maintenance = mt;
        this.transport = t;
        this.peerServer = ps;
        this.clientServer = cs;
        this.kv = kv;
        this.metricsServer = ms;
        this.checker = ck;
        this.space = sp;
        sp.start();
        this.nodeHealth = nh;
        this.healthUpdater = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "raftkv-health-" + config.nodeId());
            th.setDaemon(true);
            return th;
        });
        healthUpdater.scheduleWithFixedDelay(nodeHealth::refresh, 0, 250, TimeUnit.MILLISECONDS);
        LOG.info("node {} serving clients on {} ({}) and peers on {} ({}) (cluster {}, data in {}){}", config.nodeId(),
                clientServer.getPort(), security.clientTls() ? (config.security().clientCertAuth() ? "TLS, client certificates required"
                        : "TLS") : "plaintext", peerServer.getPort(), security.peer().enabled() ? "mutual TLS" : "plaintext",
                Long.toHexString(config.clusterId()), config.dataDir(),
                ms == null ? "" : ", metrics on " + (security.clientTls() ? "https://" : "http://")
                        + config.metricsListen().replaceFirst(":\\d+$", "") + ":" + ms.getPort() + "/metrics");
    }

    /**
     * A founding member on an empty data directory first asks its peers whether they know its id from an
     * earlier data directory (issue 12, defect 2). If one does, the directory this start created is removed
     * again and the start refused, naming the replace procedure.
     */
    private static void refuseIfReplaced(ServerConfig config, RaftStore store, io.raftkv.server.transport.PeerTls tls) {
        TreeMap<Long, String> peers = new TreeMap<>(config.initialCluster());
        peers.remove(config.nodeId());
        if (peers.isEmpty()) {
            return;
        }
        TransportConfig probe = TransportConfig.defaults(config.nodeId(), config.clusterId(), "", peers);
        java.util.Optional<String> refused = StartupCheck.refusal(probe, store.incarnations().self(), STARTUP_CHECK_TIMEOUT, tls);
        if (refused.isEmpty()) {
            return;
        }
        store.close();
        try {
            RaftStore.deleteNewStore(config.dataDir());
        } catch (IOException e) {
            LOG.warn("could not remove the store this start created in {}: {}", config.dataDir(), e.toString());
        }
        throw new io.raftkv.storage.DataDirMismatchException("node " + config.nodeId() + " refuses to start on the empty "
                + "data directory " + config.dataDir() + ": " + refused.get());
    }

    /**
     * Opens the data directory, starts the node and binds both ports; returns once serving.
     *
     * @throws IllegalArgumentException for an inconsistent configuration
     * @throws io.raftkv.storage.StorageException when the data directory cannot be used (wrong node or
     *         cluster, corruption), with a message naming the problem
     * @throws UncheckedIOException when a port cannot be bound
     */
    public static RaftKvServer start(ServerConfig config) {
        return start(config, null);
    }

    /** Test-only: a node whose storage write path can be failed on demand. */
    static RaftKvServer start(ServerConfig config, io.raftkv.storage.StorageFaults faults) {
        try {
            return new RaftKvServer(RestoredCluster.adopt(config), faults);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind " + config.clientListen() + " or " + config.peerListen() + ": "
                    + e.getMessage(), e);
        }
    }

    /** This node's health as the probes see it (tests). */
    NodeHealth.Report health() {
        return nodeHealth.report();
    }

    public ServerConfig config() {
        return config;
    }

    /** This node's store (tests inspect it). */
    RaftStore store() {
        return store;
    }

    /** This node's Raft driver (tests serve its services on an in-process server of their own). */
    RaftNode node() {
        return node;
    }

    /** The corruption check of this node (tests run it on demand). */
    StateChecker checker() {
        return checker;
    }

    /** The port the client API is bound to (useful with port 0). */
    public int clientPort() {
        return clientServer.getPort();
    }

    /** The port the peer API is bound to. */
    public int peerPort() {
        return peerServer.getPort();
    }

    /** The port of the metrics endpoint, or -1 without one. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.getPort();
    }

    /** Blocks until the server has shut down. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /**
     * Graceful shutdown: a leader first transfers leadership, in-flight requests finish or fail with a
     * retryable status, then the client API, the transport and storage close.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("node {} shutting down", config.nodeId());
        healthUpdater.shutdownNow();
        health.enterTerminalState();
        shutdownQuietly(clientServer, peerServer, transport, node, kv);
        if (metricsServer != null) {
            metricsServer.close();
        }
        checker.close();
        space.close();
        maintenance.close();
        store.close();
        executors.close();
        authenticator.close();
        terminated.countDown();
        LOG.info("node {} stopped", config.nodeId());
    }

    /**
     * Test-only: stops like a crashed process would: no leadership transfer, connections cut, RocksDB
     * closed without flushing (only what was synced to its WAL survives a real crash, and that is what
     * the next open replays).
     */
    synchronized void kill() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("node {} killed (test)", config.nodeId());
        healthUpdater.shutdownNow();
        if (metricsServer != null) {
            metricsServer.close();
        }
        clientServer.shutdownNow();
        peerServer.shutdownNow();
        node.crash();
        transport.close();
        checker.close();
        space.close();
        maintenance.close();
        store.close();
        executors.close();
        authenticator.close();
        terminated.countDown();
    }

    private static void shutdownQuietly(Server client, Server peer, PeerTransport t, RaftNode n, KvService kv) {
        if (n != null) {
            n.shutdown();
        }
        if (kv != null) {
            kv.closeBatches();
        }
        if (client != null) {
            awaitShutdown(client);
        }
        if (t != null) {
            t.close();
        }
        if (peer != null) {
            // Peer streams are long-lived and never end by themselves: cancel them (peers reconnect with backoff).
            peer.shutdownNow();
            try {
                peer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void awaitShutdown(Server s) {
        s.shutdown();
        try {
            if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
                s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.shutdownNow();
        }
    }
}
