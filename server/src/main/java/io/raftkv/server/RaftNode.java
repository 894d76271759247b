package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;
import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.Message;
import io.raftkv.raft.ProposeResult;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Ready;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.raft.SoftState;
import io.raftkv.raft.StateRole;
import io.raftkv.raft.Status;
import io.raftkv.server.transport.Inbox;
import io.raftkv.storage.Applied;
import io.raftkv.storage.Command;
import io.raftkv.storage.CommandCodec;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.Request;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one {@link RawNode} with three threads, each the only owner of its state (DESIGN.md):
 * <ul>
 *   <li>the <b>raft</b> thread owns the core: it runs every task from its queue (peer messages, client
 *       proposals and reads, persistence completions), ticks, and turns Readies into work;</li>
 *   <li>the <b>persist</b> thread writes one Ready at a time as one synced batch (group commit: what
 *       arrives while a batch syncs goes into the next Ready), and compacts the log;</li>
 *   <li>the <b>apply</b> thread applies committed entries to the state machine in order, resolves
 *       waiting proposals and releases linearizable reads once applied reaches their index.</li>
 * </ul>
 * gRPC threads only enqueue. The leader sends its AppendEntries before its own write completes (thesis
 * §10.2.1); acknowledgements and votes leave only after the persist thread is done.
 */
final class RaftNode implements Inbox, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
    private static final long SLOW_FSYNC_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final Duration SESSION_EXPIRY_EVERY = Duration.ofSeconds(5);

    /** Read-only facts about the node, refreshed by the raft thread for other threads. */
    record NodeStatus(long id, StateRole role, long term, long leaderId, long commit, long lastIndex, ConfState conf,
                      Map<Long, Status.PeerProgress> progress) {
    }

    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final RaftStore store;
    private final RawNode node;
    private final long tickNanos;
    private Consumer<List<Message>> sender = msgs -> { };
    private Consumer<SortedMap<Long, String>> peerSetter = peers -> { };
    private final MemberDirectory members;

    private final LinkedBlockingQueue<Runnable> raftQueue = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<Runnable> persistQueue = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<Runnable> applyQueue = new LinkedBlockingQueue<>();
    private final ExecutorService snapshotter = Executors.newSingleThreadExecutor(r -> daemon(r, "raftkv-snapshot"));
    private final Thread raftThread;
    private final Thread persistThread;
    private final Thread applyThread;

    private final PendingRequests pending = new PendingRequests();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong inFlightBytes = new AtomicLong();
    private final ConcurrentHashMap<Long, String> clientAddresses = new ConcurrentHashMap<>();

    private volatile NodeStatus status;
    private volatile boolean running = true;
    private volatile NodeException halted;
    /** Set when a peer refused us as removed (we may never apply our own removal if it happened while we were away). */
    private volatile String toldRemoved;

    // raft thread only
    /** When each peer was last heard from (any message), for the membership checks' notion of "active". */
    private final Map<Long, long[]> lastHeard = new java.util.HashMap<>();
    private boolean persistInFlight;
    private StateRole role = StateRole.FOLLOWER;
    private long leaderId;
    private long readCtx;
    private long ticksSinceExpiry;
    // apply thread only
    private long lastSnapshotIndex;
    private boolean snapshotRunning;

    RaftNode(ServerConfig config, RaftStore store, ServerMetrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.store = store;
        this.tickNanos = config.tick().toNanos();
        RaftConfig rc = new RaftConfig(config.nodeId(), config.electionTicks(), config.heartbeatTicks(),
                store.stateMachine().appliedIndex(), 1 << 20, 256, 32L << 20, 64L << 20, 16L << 20,
                true, true);
        // Randomness only spreads election timeouts; a fresh seed per start keeps restarted peers from colliding.
        this.node = new RawNode(rc, store.log(), new SplittableRandom(config.nodeId() ^ System.nanoTime()));
        this.lastSnapshotIndex = store.log().snapshot().index();
        this.members = new MemberDirectory(config.nodeId(), config.initialCluster(), config.peerAddresses(),
                store.stateMachine().members());
        this.clientAddresses.put(config.nodeId(), config.clientAdvertise() != null ? config.clientAdvertise() : config.clientListen());
        this.raftThread = new Thread(this::raftLoop, "raftkv-raft-" + config.nodeId());
        this.persistThread = new Thread(() -> taskLoop(persistQueue), "raftkv-persist-" + config.nodeId());
        this.applyThread = new Thread(() -> taskLoop(applyQueue), "raftkv-apply-" + config.nodeId());
        refreshStatus();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts the threads. {@code peerSetter} is told the transport's peer set whenever membership (or
     * what is known of members' addresses) changes, always from the raft thread.
     */
    void start(Consumer<List<Message>> messageSender, Consumer<SortedMap<Long, String>> peerSetter) {
        this.sender = messageSender;
        this.peerSetter = peerSetter;
        // Members added at runtime are known from the stored records only: tell the transport at once.
        raftQueue.add(() -> peerSetter.accept(members.transportPeers(node.status().config())));
        raftThread.start();
        persistThread.start();
        applyThread.start();
    }

    NodeStatus status() {
        return status;
    }

    RaftStore store() {
        return store;
    }

    String clientAddress(long id) {
        if (id == 0) {
            return "";
        }
        String learned = clientAddresses.get(id);
        return learned != null ? learned : members.view().clientAddresses().getOrDefault(id, "");
    }

    MemberDirectory.View members() {
        return members.view();
    }

    /**
     * Non-null once this node was removed from the cluster: it takes no further part (etcd's removed
     * members stop too), so it refuses every request, stale serializable reads included, rather than
     * answer from a replica nobody updates any more.
     */
    NodeException removed() {
        if (!members.view().removed().contains(config.nodeId()) && toldRemoved == null) {
            return null;
        }
        return NodeException.of(ErrorDetail.Code.NO_LEADER, "node " + config.nodeId() + " was removed from the cluster "
                + "and serves nothing; use the other members (stop this node and delete its data directory)");
    }

    /** Non-null once the node stopped serving writes (storage failure or a broken invariant). */
    /** Client requests admitted and not yet answered (what load shedding counts). */
    int inFlight() {
        return inFlight.get();
    }

    NodeException halted() {
        return halted;
    }

    // ------------------------------------------------------------------ Inbox (gRPC threads)

    @Override
    public void receive(Message message) {
        raftQueue.add(() -> {
            lastHeard.computeIfAbsent(message.from(), k -> new long[1])[0] = System.nanoTime();
            node.step(message);
        });
    }

    @Override
    public void reportUnreachable(long peer) {
        raftQueue.add(() -> node.reportUnreachable(peer));
    }

    @Override
    public void reportSnapshot(long peer, boolean success) {
        raftQueue.add(() -> node.reportSnapshot(peer, success));
    }

    @Override
    public void learnClientAddress(long peer, String clientAddress) {
        clientAddresses.put(peer, clientAddress);
    }

    @Override
    public boolean isRemoved(long peer) {
        return members.view().removed().contains(peer);
    }

    @Override
    public void removedFromCluster(String why) {
        if (toldRemoved == null) {
            toldRemoved = why;
            LOG.warn("node {}: a peer says this node was removed from the cluster ({}); it stops serving: stop it and "
                    + "delete its data directory", config.nodeId(), why);
        }
    }

    // ------------------------------------------------------------------ requests (gRPC threads)

    /**
     * Replicates a request through the log. Completes with the applied result, or exceptionally with a
     * {@link NodeException} whose code tells the client whether a retry is safe.
     */
    CompletableFuture<Applied> propose(Request request, Duration timeout) {
        CompletableFuture<Applied> f = new CompletableFuture<>();
        NodeException refused = refusal();
        if (refused != null) {
            f.completeExceptionally(refused);
            return f;
        }
        byte[] data = CommandCodec.encode(request);
        ServerConfig.Limits limits = config.limits();
        if (inFlight.incrementAndGet() > limits.maxPendingRequests()
                | inFlightBytes.addAndGet(data.length) > limits.maxPendingBytes()) {
            inFlight.decrementAndGet();
            inFlightBytes.addAndGet(-data.length);
            f.completeExceptionally(NodeException.of(ErrorDetail.Code.OVERLOADED, "server overloaded: more than "
                    + limits.maxPendingRequests() + " requests or " + limits.maxPendingBytes()
                    + " bytes pending; back off and retry"));
            return f;
        }
        f.whenComplete((a, t) -> {
            inFlight.decrementAndGet();
            inFlightBytes.addAndGet(-data.length);
        });
        long deadline = deadline(timeout);
        enqueue(new RequestTask(() -> proposeOnRaftThread(data, deadline, f), f));
        return f;
    }

    private void proposeOnRaftThread(byte[] data, long deadline, CompletableFuture<Applied> f) {
        if (deadline - System.nanoTime() < 0) {
            f.completeExceptionally(NodeException.of(ErrorDetail.Code.OVERLOADED,
                    "the request waited past its deadline before it could be proposed (not applied); back off"));
            return;
        }
        track(node.propose(data), deadline, f);
    }

    /** An appended proposal waits for its entry to apply; a dropped one fails at once with the reason. */
    private void track(ProposeResult r, long deadline, CompletableFuture<Applied> f) {
        if (r instanceof ProposeResult.Appended a) {
            pending.addProposal(a.index(), new PendingRequests.Proposal(a.term(), deadline, f));
        } else {
            f.completeExceptionally(dropped((ProposeResult.Dropped) r));
        }
    }

    private NodeException dropped(ProposeResult.Dropped d) {
        return switch (d.reason()) {
            case NOT_LEADER, NOT_MEMBER -> NodeException.notLeader(d.leaderHint(), clientAddress(d.leaderHint()));
            case LEADERSHIP_TRANSFER -> NodeException.of(ErrorDetail.Code.NO_LEADER,
                    "leadership is being transferred (not applied); retry shortly");
            case UNCOMMITTED_LIMIT -> NodeException.of(ErrorDetail.Code.OVERLOADED,
                    "too much uncommitted data on the leader (not applied); back off and retry");
            case CONF_CHANGE_PENDING -> NodeException.of(ErrorDetail.Code.NOT_READY,
                    "another membership change is not applied yet (not proposed); retry shortly");
            case INVALID_CONF_CHANGE -> NodeException.of(ErrorDetail.Code.INVALID,
                    "membership change refused by Raft: " + d.reason());
        };
    }

    /**
     * Completes once this node may serve a linearizable read: it is the leader, a quorum confirmed that
     * after the read arrived (ReadIndex), and the state machine has applied the read index. The value is
     * the applied index the read will observe at least.
     */
    CompletableFuture<Long> readBarrier(Duration timeout) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        if (config.unsafeLocalReads()) {
            // Negative control for the chaos harness: deliberately not linearizable.
            f.complete(store.stateMachine().appliedIndex());
            return f;
        }
        NodeException refused = refusal();
        if (refused != null) {
            f.completeExceptionally(refused);
            return f;
        }
        long deadline = deadline(timeout);
        enqueueOnLeader(f, () -> {
            long ctx = ++readCtx;
            if (!node.readIndex(ctx)) {
                f.completeExceptionally(NodeException.notLeader(0, ""));
                return;
            }
            pending.awaitReadState(ctx, new PendingRequests.Read(0, deadline, f));
        });
        return f;
    }

    /** Asks for leadership to move to {@code target} (0: the most up-to-date follower). */
    CompletableFuture<Long> transferLeadership(long target) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        enqueueOnLeader(f, () -> {
            long to = target != 0 ? target : bestTransferee();
            if (to == 0) {
                f.completeExceptionally(NodeException.of(ErrorDetail.Code.INVALID, "no voter to transfer leadership to"));
                return;
            }
            node.transferLeadership(to);
            f.complete(to);
        });
        return f;
    }

    /**
     * Proposes one membership change on the leader (see {@link MembershipRules} for what is refused).
     * Completes with the applied change (its result is the new configuration) once applied here.
     */
    CompletableFuture<Applied> changeMembership(MembershipRules.Kind kind, long id, String peerAddress,
                                                String clientAddress, Duration timeout) {
        CompletableFuture<Applied> f = new CompletableFuture<>();
        NodeException refused = refusal();
        if (refused != null) {
            f.completeExceptionally(refused);
            return f;
        }
        long deadline = deadline(timeout);
        enqueueOnLeader(f, () -> {
            ConfChange cc;
            try {
                cc = MembershipRules.check(kind, id, peerAddress, clientAddress, withActivity(node.status()), members.view());
            } catch (NodeException e) {
                f.completeExceptionally(e);
                return;
            }
            ProposeResult r = node.proposeConfChange(cc);
            if (r instanceof ProposeResult.Appended a) {
                LOG.info("node {}: proposed {} at index {}", config.nodeId(), cc, a.index());
            }
            track(r, deadline, f);
        });
        return f;
    }

    private long bestTransferee() {
        long best = 0;
        long bestMatch = -1;
        for (var e : node.status().progress().entrySet()) {
            if (e.getKey() != config.nodeId() && !e.getValue().learner() && e.getValue().match() > bestMatch) {
                best = e.getKey();
                bestMatch = e.getValue().match();
            }
        }
        return best;
    }

    /** Queues {@code body} for the raft thread, to run only while this node leads (else {@code f} gets a redirect). */
    private void enqueueOnLeader(CompletableFuture<?> f, Runnable body) {
        enqueue(new RequestTask(() -> {
            if (role != StateRole.LEADER) {
                f.completeExceptionally(NodeException.notLeader(leaderId, clientAddress(leaderId)));
                return;
            }
            body.run();
        }, f));
    }

    /**
     * Queues a request for the raft thread. If the node stopped meanwhile and the task is still queued,
     * nobody will run or drain it: take it back and refuse it here.
     */
    private void enqueue(RequestTask task) {
        raftQueue.add(task);
        if (!running && raftQueue.remove(task)) {
            task.future.completeExceptionally(NodeException.of(ErrorDetail.Code.NO_LEADER, "node " + config.nodeId()
                    + " is shutting down (not applied); retry on another node"));
        }
    }

    private NodeException refusal() {
        if (halted != null) {
            return halted;
        }
        NodeException gone = removed();
        if (gone != null) {
            return gone;
        }
        if (!running) {
            return NodeException.of(ErrorDetail.Code.NO_LEADER, "node is shutting down; retry on another node");
        }
        return null;
    }

    private long deadline(Duration timeout) {
        Duration d = timeout == null || timeout.compareTo(config.requestTimeout()) > 0 ? config.requestTimeout() : timeout;
        return System.nanoTime() + d.toNanos();
    }

    // ------------------------------------------------------------------ raft thread

    private void raftLoop() {
        long nextTick = System.nanoTime() + tickNanos;
        try {
            while (running) {
                long wait = nextTick - System.nanoTime();
                Runnable task = wait > 0 ? raftQueue.poll(wait, TimeUnit.NANOSECONDS) : raftQueue.poll();
                for (int n = 0; task != null && n < 4096; n++) {
                    task.run();
                    task = raftQueue.poll();
                }
                if (task != null) {
                    task.run();
                }
                long now = System.nanoTime();
                if (now - nextTick >= 0) {
                    node.tick();
                    onTick(now);
                    // After a long pause (GC, SIGSTOP) tick once, not a burst: a burst would fire elections.
                    nextTick = Math.max(nextTick + tickNanos, now + tickNanos / 2);
                }
                drive();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            halt("raft core halted: " + e, e);
        }
    }

    private void onTick(long now) {
        pending.expire(now);
        if (role == StateRole.LEADER && ++ticksSinceExpiry * tickNanos >= SESSION_EXPIRY_EVERY.toNanos()) {
            ticksSinceExpiry = 0;
            // Session expiry is decided through the log with the leader's clock, never by local clocks.
            node.propose(CommandCodec.encode(Request.of(new Command.ExpireSessions(System.currentTimeMillis()))));
        }
        refreshStatus();
    }

    private void drive() {
        if (persistInFlight || halted != null || !node.hasReady()) {
            return;
        }
        Ready rd = node.ready();
        rd.softState().ifPresent(this::onSoftState);
        sender.accept(rd.messages());
        persistInFlight = true;
        persistQueue.add(() -> persist(rd));
    }

    private void onSoftState(SoftState ss) {
        if (ss.leader() != leaderId) {
            if (ss.leader() != 0) {
                metrics.leaderChanged();
            }
            LOG.info("node {}: leader is now {} (role {})", config.nodeId(), ss.leader() == 0 ? "unknown" : ss.leader(),
                    ss.role());
        }
        if (role == StateRole.LEADER && ss.role() != StateRole.LEADER) {
            pending.failReads(NodeException.notLeader(ss.leader(), clientAddress(ss.leader())));
        }
        role = ss.role();
        leaderId = ss.leader();
        ticksSinceExpiry = 0;
        refreshStatus();
    }

    private void onPersisted(Ready rd) {
        sender.accept(rd.persistedMessages());
        boolean membershipChanged = false;
        if (rd.snapshot().isPresent()) {
            LOG.info("node {}: installed snapshot at index {}", config.nodeId(), rd.snapshot().get().index());
            // The image replaced the member records too; read them before this Ready's entries are applied.
            members.reload(store.stateMachine().members());
            membershipChanged = true;
            applyQueue.add(() -> pending.appliedThrough(store.stateMachine().appliedIndex()));
        }
        List<Entry> committed = rd.committedEntries();
        if (!committed.isEmpty()) {
            Map<Long, ConfState> confStates = new TreeMap<>();
            for (Entry e : committed) {
                if (e.type() == EntryType.CONF_CHANGE) {
                    ConfChange cc = ConfChange.decode(e.data());
                    ConfState cs = node.applyConfChange(cc);
                    members.apply(cc, cs);
                    membershipChanged = true;
                    confStates.put(e.index(), cs);
                    LOG.info("node {}: configuration is now {} (after {} at index {})", config.nodeId(), cs, cc, e.index());
                }
            }
            if (!confStates.isEmpty()) {
                // Publish the new configuration before the apply thread answers the change: a client that
                // lists the members after its change returned must see it (it raced, and saw the old list).
                refreshStatus();
            }
            applyQueue.add(() -> apply(committed, confStates));
        }
        if (membershipChanged) {
            peerSetter.accept(members.transportPeers(node.status().config()));
        }
        for (ReadState rs : rd.readStates()) {
            PendingRequests.Read r = pending.readStateArrived(rs.requestCtx(), rs.index());
            if (r != null) {
                applyQueue.add(() -> pending.awaitApply(r, store.stateMachine().appliedIndex()));
            }
        }
        node.advance(rd);
        persistInFlight = false;
        refreshStatus();
    }

    private void refreshStatus() {
        Status s = withActivity(node.status());
        status = new NodeStatus(s.id(), s.softState().role(), s.hardState().term(), s.softState().leader(),
                s.hardState().commit(), s.lastIndex(), s.config(), s.progress());
    }

    /**
     * The status with each peer's {@code recentActive} meaning "heard from within the last election
     * timeout" (etcd server's notion for its reconfiguration checks). The core's own flag is reset at every
     * check-quorum round and set again by the next answer, so just after a reset every peer looks inactive:
     * membership checks read from it refused changes at random.
     */
    private Status withActivity(Status s) {
        if (s.progress().isEmpty()) {
            return s;
        }
        long now = System.nanoTime();
        long window = config.electionTicks() * tickNanos;
        java.util.TreeMap<Long, Status.PeerProgress> progress = new java.util.TreeMap<>();
        s.progress().forEach((id, p) -> {
            long[] heard = lastHeard.get(id);
            boolean active = id == config.nodeId() || (heard != null && now - heard[0] < window);
            progress.put(id, new Status.PeerProgress(p.match(), p.next(), p.state(), active, p.learner(), p.inflight()));
        });
        return new Status(s.id(), s.hardState(), s.softState(), s.applied(), s.lastIndex(), s.config(), s.leadTransferee(),
                progress);
    }

    // ------------------------------------------------------------------ persist thread

    private void persist(Ready rd) {
        try {
            if (rd.snapshot().isPresent()) {
                // Installing replaces the state machine: let the apply thread finish what it was handed first.
                CountDownLatch drained = new CountDownLatch(1);
                applyQueue.add(drained::countDown);
                drained.await();
            }
            long t0 = System.nanoTime();
            store.persist(rd);
            long took = System.nanoTime() - t0;
            if (rd.mustSync()) {
                metrics.observeFsync(took);
            }
            if (took > SLOW_FSYNC_NANOS && rd.mustSync()) {
                LOG.warn("node {}: slow fsync: persisting {} entries took {} ms", config.nodeId(), rd.entries().size(),
                        TimeUnit.NANOSECONDS.toMillis(took));
            }
            raftQueue.add(() -> onPersisted(rd));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            raftQueue.add(() -> halt("storage write failed; the node stops its write path: " + e, e));
        }
    }

    // ------------------------------------------------------------------ apply thread

    private void apply(List<Entry> committed, Map<Long, ConfState> confStates) {
        List<Applied> results;
        try {
            results = store.stateMachine().apply(committed, confStates);
        } catch (RuntimeException e) {
            raftQueue.add(() -> halt("applying committed entries failed: " + e, e));
            return;
        }
        for (Applied a : results) {
            pending.applied(a);
        }
        long applied = store.stateMachine().appliedIndex();
        pending.appliedThrough(applied);
        maybeSnapshot(applied);
    }

    private void maybeSnapshot(long applied) {
        if (snapshotRunning || applied - lastSnapshotIndex < config.snapshotEvery()) {
            return;
        }
        snapshotRunning = true;
        snapshotter.execute(() -> {
            try {
                SnapshotMetadata meta = store.createSnapshot();
                long compactTo = meta.index() - config.retainEntries();
                LOG.info("node {}: snapshot at index {}; compacting the log through {}", config.nodeId(), meta.index(),
                        Math.max(compactTo, 0));
                if (compactTo > store.log().firstIndex()) {
                    persistQueue.add(() -> store.compactLog(compactTo));
                }
                applyQueue.add(() -> {
                    lastSnapshotIndex = meta.index();
                    snapshotRunning = false;
                });
            } catch (RuntimeException e) {
                LOG.error("node {}: snapshot failed: {}", config.nodeId(), e.toString(), e);
                applyQueue.add(() -> snapshotRunning = false);
            }
        });
    }

    private void taskLoop(LinkedBlockingQueue<Runnable> queue) {
        try {
            while (running || !queue.isEmpty()) {
                Runnable task = queue.poll(100, TimeUnit.MILLISECONDS);
                if (task != null) {
                    task.run();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ lifecycle

    private void halt(String why, Throwable cause) {
        if (halted != null) {
            return;
        }
        LOG.error("node {}: {}", config.nodeId(), why, cause);
        halted = NodeException.of(ErrorDetail.Code.STORAGE_FAILED, "node " + config.nodeId() + " stopped serving: " + why);
        pending.failAll(outcomeUnknown("stopped serving (" + why + ")"));
    }

    /**
     * Graceful stop: a leader hands leadership to its most up-to-date follower and waits (up to two
     * election timeouts) for it to take over, then new requests are refused and waiting ones fail with a
     * retryable status.
     */
    void shutdown() {
        stop(true);
    }

    /** Test-only crash: stops at once, no leadership transfer (the storage is then closed unflushed). */
    void crash() {
        stop(false);
    }

    private void stop(boolean graceful) {
        if (!running) {
            return;
        }
        if (graceful && status.role() == StateRole.LEADER && halted == null && status.conf().voters().size() > 1) {
            transferLeadership(0);
            long until = System.nanoTime() + 2 * config.electionTicks() * tickNanos;
            while (status.role() == StateRole.LEADER && System.nanoTime() - until < 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(tickNanos);
            }
            LOG.info("node {}: leadership {} before shutdown", config.nodeId(),
                    status.role() == StateRole.LEADER ? "could not be transferred" : "transferred to " + status.leaderId());
        }
        running = false;
        NodeException stopping = outcomeUnknown("shut down");
        joinQuietly(raftThread);
        // Requests the raft thread never reached were certainly not proposed: say so, so clients retry.
        NodeException notProposed = NodeException.of(ErrorDetail.Code.NO_LEADER, "node " + config.nodeId()
                + " shut down before proposing the request (not applied); retry on another node");
        for (Runnable task = raftQueue.poll(); task != null; task = raftQueue.poll()) {
            if (task instanceof RequestTask rt) {
                rt.future.completeExceptionally(notProposed);
            }
        }
        pending.failAll(stopping);
        joinQuietly(persistThread);
        applyQueue.add(() -> pending.failAppliedWaiters(stopping));
        joinQuietly(applyThread);
        snapshotter.shutdown();
        try {
            snapshotter.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A client request queued for the raft thread; refusable if the node stops before running it. */
    private record RequestTask(Runnable body, CompletableFuture<?> future) implements Runnable {
        @Override
        public void run() {
            body.run();
        }
    }

    /**
     * For requests still waiting when the node stops: their entries may already be replicated and commit
     * under the next leader, so "not applied" would be a lie that invites a double apply.
     */
    private NodeException outcomeUnknown(String what) {
        return NodeException.of(ErrorDetail.Code.NO_QUORUM, "node " + config.nodeId() + " " + what
                + " before the request's outcome was known; a write may or may not apply: retry it only through a session");
    }

    @Override
    public void close() {
        shutdown();
    }
}
