package io.raftkv.server.transport;

import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.raftkv.raft.Message;
import io.raftkv.storage.RaftStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's peer transport: sends Raft messages to peers on one long-lived gRPC stream each, streams
 * snapshot images on the side, and provides the {@code RaftPeer} service for the node's peer server.
 *
 * <p>Usage: construct, register {@link #service()} on the peer server (built with
 * {@link #configurePeerServer}), {@link #start()}, then call {@link #send} from the raft thread;
 * {@link #close()} on shutdown. Everything that arrives goes to the {@link Inbox}.
 */
public final class PeerTransport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerTransport.class);
    /** Every thread this package starts is named with this prefix (tests check none survive close). */
    public static final String THREAD_PREFIX = "raftkv-transport-";
    /** Largest message the peer server accepts: a batch, or one Raft message that is bigger on its own. */
    static final int MIN_INBOUND_BYTES = 64 << 20;

    private final TransportConfig config;
    private final PeerTls tls;
    private final TransportMetrics metrics;
    private final RaftStore store;
    private final Inbox inbox;
    private final PeerService service;
    /** The peers messages can go to; replaced entries are retired in the background (see updatePeers). */
    private final ConcurrentHashMap<Long, Peer> peers = new ConcurrentHashMap<>();
    /** Threads stopping retired peers (guarded by this); close waits for them. */
    private final List<Thread> retiring = new ArrayList<>();
    private final ConcurrentHashMap<Long, SnapshotSender> snapshots = new ConcurrentHashMap<>();
    private final ExecutorService snapshotExecutor;
    /** Ids already warned about (raft thread only). */
    private final Set<Long> unknownPeersLogged = ConcurrentHashMap.newKeySet();
    private volatile boolean started;
    private volatile boolean closed;
    /** Probes every peer's peer port on its own, for the round-trip time (etcd's peer prober). */
    private final java.util.concurrent.ScheduledExecutorService prober;
    private static final java.time.Duration PROBE_EVERY = java.time.Duration.ofSeconds(2);

    public PeerTransport(TransportConfig config, RaftStore store, Inbox inbox) {
        this(config, store, inbox, TransportMetrics.NONE);
    }

    public PeerTransport(TransportConfig config, RaftStore store, Inbox inbox, TransportMetrics metrics) {
        this(config, store, inbox, metrics, PeerTls.plaintext());
    }

    /** A transport whose channels, and whose service's checks of its callers, follow {@code tls}. */
    public PeerTransport(TransportConfig config, RaftStore store, Inbox inbox, TransportMetrics metrics, PeerTls tls) {
        this.tls = Objects.requireNonNull(tls, "tls");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        this.inbox = Objects.requireNonNull(inbox, "inbox");
        this.service = new PeerService(config, store, inbox, metrics);
        try {
            for (Map.Entry<Long, String> p : config.peers().entrySet()) {
                peers.put(p.getKey(), newPeer(p.getKey(), p.getValue()));
            }
        } catch (RuntimeException e) {
            peers.values().forEach(p -> p.channel.shutdownNow());
            throw e;
        }
        this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, THREAD_PREFIX + config.nodeId() + "-prober");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger n = new AtomicInteger();
        // One transfer per peer at most (see send), so the pool never grows beyond the peer count.
        this.snapshotExecutor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, THREAD_PREFIX + config.nodeId() + "-snapshot-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Applies what the peer server needs for this transport: keepalive pings from peers are allowed (the
     * default policy would answer our pings with GOAWAY), and a message may be as large as a batch.
     */
    public static NettyServerBuilder configurePeerServer(NettyServerBuilder builder, TransportConfig config) {
        return builder.permitKeepAliveTime(1, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true)
                .maxInboundMessageSize(Math.max(MIN_INBOUND_BYTES, 2 * config.maxBatchBytes()))
                .callExecutor(new StreamOnEventLoop());
    }

    /**
     * Message batches are decoded and handed to the raft thread's queue right on the Netty event loop that
     * read them (nothing blocks there); snapshot streams, which write files, keep gRPC's executor.
     */
    private static final class StreamOnEventLoop implements io.grpc.ServerCallExecutorSupplier {
        private static final java.util.concurrent.Executor DIRECT = Runnable::run;

        @Override
        public <ReqT, RespT> java.util.concurrent.Executor getExecutor(io.grpc.ServerCall<ReqT, RespT> call,
                                                                       io.grpc.Metadata headers) {
            return call.getMethodDescriptor().getFullMethodName().equals(
                    io.raftkv.proto.peer.RaftPeerGrpc.getStreamMethod().getFullMethodName()) ? DIRECT : null;
        }
    }

    /**
     * The RaftPeer service to register on this node's peer gRPC server, behind the interceptor that tells each
     * call who is calling ({@link Caller}): with peer TLS, every request's claimed member id is checked against
     * the caller's certificate.
     */
    public ServerServiceDefinition service() {
        return ServerInterceptors.intercept(service, tls.callers());
    }

    /** Starts one sender thread (and stream) per peer. Messages sent before start wait in their queues. */
    public synchronized void start() {
        if (started || closed) {
            return;
        }
        started = true;
        for (Peer p : peers.values()) {
            p.sender.start();
        }
        prober.scheduleWithFixedDelay(this::probeAll, PROBE_EVERY.toMillis(), PROBE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("peer transport of node {} started for peers {}", config.nodeId(), addresses());
    }

    /** The peers this transport currently sends to, id to address. */
    public SortedMap<Long, String> addresses() {
        SortedMap<Long, String> m = new TreeMap<>();
        peers.forEach((id, p) -> m.put(id, p.address));
        return m;
    }

    /**
     * Makes the peer set exactly {@code wanted} (membership changed, or a peer's address became known).
     * Called by the raft thread, so it must not block: senders of removed or re-addressed peers are
     * stopped on a background thread, and messages to them are dropped meanwhile like to any unknown peer.
     */
    public synchronized void updatePeers(SortedMap<Long, String> wanted) {
        if (closed) {
            return;
        }
        List<Peer> retired = new ArrayList<>();
        for (Map.Entry<Long, Peer> e : new TreeMap<>(peers).entrySet()) {
            String want = wanted.get(e.getKey());
            if (!e.getValue().address.equals(want)) {
                peers.remove(e.getKey());
                retired.add(e.getValue());
                LOG.info("node {}: peer {} at {} {}", config.nodeId(), e.getKey(), e.getValue().address,
                        want == null ? "removed" : "moved to " + want);
            }
        }
        for (Map.Entry<Long, String> e : wanted.entrySet()) {
            if (e.getKey() == config.nodeId() || peers.containsKey(e.getKey())) {
                continue;
            }
            Peer p = newPeer(e.getKey(), e.getValue());
            peers.put(e.getKey(), p);
            unknownPeersLogged.remove(e.getKey());
            if (started) {
                p.sender.start();
            }
            LOG.info("node {}: peer {} added at {}", config.nodeId(), e.getKey(), e.getValue());
        }
        if (!retired.isEmpty()) {
            Thread t = new Thread(() -> retired.forEach(Peer::close), THREAD_PREFIX + config.nodeId() + "-retire");
            t.setDaemon(true);
            retiring.removeIf(r -> !r.isAlive());
            retiring.add(t);
            t.start();
        }
    }

    private Peer newPeer(long id, String address) {
        metrics.peerAdded(id);
        ManagedChannel ch = channel(id, address);
        return new Peer(address, ch, new PeerSender(id, address, config, inbox, ch, store.incarnations().self(), metrics));
    }

    private record Peer(String address, ManagedChannel channel, PeerSender sender) {
        void close() {
            sender.close();
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Hands messages to their peers' queues (raft thread). Never blocks: a full queue drops the message
     * and reports the peer unreachable (once per call). An InstallSnapshot starts a background transfer
     * of the stored image unless one to that peer is already running.
     */
    public void send(List<Message> messages) {
        if (closed || messages.isEmpty()) {
            return;
        }
        List<PeerSender> touched = new ArrayList<>(2);
        List<Long> unreachable = null;
        for (Message m : messages) {
            Peer peer = peers.get(m.to());
            PeerSender s = peer == null ? null : peer.sender;
            if (s == null) {
                if (unknownPeersLogged.add(m.to())) {
                    LOG.warn("node {} has no address for peer {}: messages to it are dropped", config.nodeId(), m.to());
                }
                unreachable = add(unreachable, m.to());
                continue;
            }
            if (m instanceof Message.InstallSnapshot snap) {
                startSnapshot(snap, peer.address);
                continue;
            }
            if (s.offer(m)) {
                if (!touched.contains(s)) {
                    touched.add(s);
                }
            } else {
                metrics.dropped(m.to(), 1);
                unreachable = add(unreachable, m.to());
            }
        }
        for (PeerSender s : touched) {
            s.flush();
        }
        if (unreachable != null) {
            for (Long peer : unreachable) {
                inbox.reportUnreachable(peer);
            }
        }
    }

    private static List<Long> add(List<Long> ids, long id) {
        List<Long> l = ids == null ? new ArrayList<>(2) : ids;
        if (!l.contains(id)) {
            l.add(id);
        }
        return l;
    }

    private void startSnapshot(Message.InstallSnapshot m, String address) {
        long peer = m.to();
        SnapshotSender running = snapshots.get(peer);
        if (running != null) {
            // One transfer per peer. The core hears the running one's outcome and then probes again,
            // sending its newest snapshot if this one was newer.
            LOG.debug("snapshot {} to peer {} ignored: snapshot {} is still being sent", m.snapshot().index(), peer,
                    running.metadata().index());
            return;
        }
        SnapshotSender[] self = new SnapshotSender[1];
        self[0] = new SnapshotSender(m, config, store, inbox, () -> channel(peer, address), () -> snapshots.remove(peer, self[0]));
        snapshots.put(peer, self[0]);
        try {
            snapshotExecutor.execute(self[0]);
        } catch (RejectedExecutionException e) {
            snapshots.remove(peer, self[0]); // closing
        }
    }

    private ManagedChannel channel(long member, String address) {
        // directExecutor: our callbacks only record state and wake a thread, so running them on the Netty
        // event loop saves a thread hop per message. disableRetry: gRPC's transparent retry keeps every message
        // of a call until the server's response headers arrive or 1 MiB was sent, and a message stream's
        // headers come only at its end, so each new stream held its first ~20,000 acknowledgements (or 1 MiB
        // of entries) on the heap, long enough to be promoted; Raft resends what a failed stream lost anyway.
        return NettyChannelBuilder.forTarget(address, tls.channelCredentials(member)).directExecutor()
                .disableRetry()
                .keepAliveTime(config.keepAlive().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(config.keepAlive().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveWithoutCalls(true)
                .build();
    }

    /** One Hello per peer; the answer's delay is the round-trip time (a refusal counts too: the port answered). */
    private void probeAll() {
        for (Map.Entry<Long, Peer> e : peers.entrySet()) {
            long peer = e.getKey();
            io.raftkv.proto.peer.HelloRequest req = io.raftkv.proto.peer.HelloRequest.newBuilder().setClusterId(config.clusterId())
                    .setFrom(config.nodeId()).setTo(peer).setIncarnation(store.incarnations().self()).build();
            long t0 = System.nanoTime();
            io.raftkv.proto.peer.RaftPeerGrpc.newStub(e.getValue().channel).withDeadlineAfter(1, TimeUnit.SECONDS)
                    .hello(req, new io.grpc.stub.StreamObserver<>() {
                        @Override
                        public void onNext(io.raftkv.proto.peer.HelloResponse r) {
                            long now = System.nanoTime();
                            metrics.roundTrip(peer, now - t0);
                            if (r.getStateBytes() > 0) {
                                inbox.peerUsage(peer, new Usage(r.getStateBytes(), r.getDiskFreeBytes(), now));
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            io.grpc.Status.Code c = io.grpc.Status.fromThrowable(t).getCode();
                            if (c != io.grpc.Status.Code.UNAVAILABLE && c != io.grpc.Status.Code.DEADLINE_EXCEEDED) {
                                metrics.roundTrip(peer, System.nanoTime() - t0);
                            }
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
        }
    }

    /**
     * Asks {@code peer} for its hash of the state right after {@code index} (the corruption check); an
     * unreachable or unknown peer answers {@link HashAnswer#UNKNOWN} with the reason in the exception.
     */
    public java.util.concurrent.CompletableFuture<HashAnswer> askStateHash(long peer, long index, java.time.Duration timeout) {
        java.util.concurrent.CompletableFuture<HashAnswer> f = new java.util.concurrent.CompletableFuture<>();
        Peer p = peers.get(peer);
        if (p == null || closed) {
            f.completeExceptionally(new IllegalStateException("no address for node " + peer));
            return f;
        }
        io.raftkv.proto.peer.StateHashRequest req = io.raftkv.proto.peer.StateHashRequest.newBuilder()
                .setClusterId(config.clusterId()).setFrom(config.nodeId()).setTo(peer).setIndex(index).build();
        io.raftkv.proto.peer.RaftPeerGrpc.newStub(p.channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .stateHash(req, new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(io.raftkv.proto.peer.StateHashResponse r) {
                        f.complete(r.getHash().isEmpty() ? (r.getPending() ? HashAnswer.PENDING : HashAnswer.UNKNOWN)
                                : new HashAnswer(r.getHash().toByteArray(), false));
                    }

                    @Override
                    public void onError(Throwable t) {
                        f.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        f.complete(HashAnswer.UNKNOWN);
                    }
                });
        return f;
    }

    /** Stops every sender, transfer and channel; returns when this transport's threads have ended. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (Peer p : peers.values()) {
            p.sender.close();
        }
        for (SnapshotSender s : snapshots.values()) {
            s.cancel();
        }
        prober.shutdownNow();
        snapshotExecutor.shutdownNow();
        service.close();
        for (Peer p : peers.values()) {
            p.channel.shutdownNow();
        }
        try {
            List<Thread> stillRetiring;
            synchronized (this) {
                stillRetiring = List.copyOf(retiring);
            }
            for (Thread t : stillRetiring) {
                t.join(10_000);
            }
            prober.awaitTermination(5, TimeUnit.SECONDS);
            if (!snapshotExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("snapshot transfers of node {} did not stop within 5 s", config.nodeId());
            }
            for (Peer p : peers.values()) {
                p.channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("peer transport of node {} closed", config.nodeId());
    }
}
