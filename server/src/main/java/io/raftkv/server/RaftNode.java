package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Message;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.StateRole;
import io.raftkv.raft.Status;
import io.raftkv.server.transport.Inbox;
import io.raftkv.storage.Applied;
import io.raftkv.storage.CommandCodec;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.Request;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's pipeline, and the face the gRPC services and the transport talk to. A request travels
 * through these stages, each a thread that alone owns its state, handing typed values to the next in
 * batches (DESIGN.md, docs/architecture.md "The path of a write"):
 * <ol>
 *   <li><b>admission</b> ({@link Admission}, on the gRPC thread): limits, deadline, load shedding;</li>
 *   <li><b>raft</b> ({@link RaftLoop}): the core, membership, batched ReadIndex rounds;</li>
 *   <li><b>log writer</b> ({@link LogWriter}): one synced batch per Ready (group commit);</li>
 *   <li><b>state machine</b> ({@link ApplyLoop}): applies committed entries, owns the waiters;</li>
 *   <li><b>responder</b> ({@link Responder}): completes client futures, off the raft and apply threads.</li>
 * </ol>
 * The leader sends AppendEntries before its own write completes (thesis §10.2.1), and keeps sending while
 * it is in flight; acknowledgements and votes leave only after the log writer is done.
 */
final class RaftNode implements Inbox, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
    /** Above this share of the heap live after a collection, admission sheds load. */
    private static final double HEAP_LIMIT = 0.85;
    private static final int RESPONDER_THREADS = 2;

    /** Read-only facts about the node, published by the raft thread for other threads. */
    record NodeStatus(long id, StateRole role, long term, long leaderId, long commit, long lastIndex, ConfState conf,
                      Map<Long, Status.PeerProgress> progress) {
    }

    private final ServerConfig config;
    private final RaftStore store;
    private final MemberDirectory members;
    private final ClientAddresses clientAddresses;
    private final NodeState state;
    private final Admission admission;
    private final StageQueue<RaftInput> raftQueue = new StageQueue<>();
    private final StageQueue<ApplyInput> applyQueue = new StageQueue<>();
    private final Responder responder;
    private final LogWriter logWriter;
    private final ApplyLoop applyLoop;
    private final RaftLoop raftLoop;
    private final Thread raftThread;
    private final Thread logThread;
    private final Thread applyThread;
    private final long tickNanos;
    private volatile StateChecker checker;
    private volatile SpaceMonitor space;

    RaftNode(ServerConfig config, RaftStore store, ServerMetrics metrics) {
        this.config = config;
        this.store = store;
        this.tickNanos = config.tick().toNanos();
        this.state = new NodeState(config.nodeId());
        this.admission = new Admission(config.limits(), new MemoryGuard(HEAP_LIMIT));
        RaftConfig rc = new RaftConfig(config.nodeId(), config.electionTicks(), config.heartbeatTicks(),
                store.stateMachine().appliedIndex(), 1 << 20, 256, 32L << 20, 64L << 20, 16L << 20,
                true, true, true);
        // Randomness only spreads election timeouts; a fresh seed per start keeps restarted peers from colliding.
        RawNode node = new RawNode(rc, store.log(), new SplittableRandom(config.nodeId() ^ System.nanoTime()));
        this.members = new MemberDirectory(config.nodeId(), config.initialCluster(), config.peerAddresses(),
                store.stateMachine().members());
        this.clientAddresses = new ClientAddresses(members);
        clientAddresses.learn(config.nodeId(), config.clientAdvertise() != null ? config.clientAdvertise() : config.clientListen());
        this.responder = new Responder(config.nodeId(), RESPONDER_THREADS);
        this.applyLoop = new ApplyLoop(config, metrics, store, applyQueue, raftQueue, responder);
        this.logWriter = new LogWriter(config.nodeId(), store, metrics, raftQueue, applyQueue);
        applyLoop.bindLogWriter(logWriter);
        this.raftLoop = new RaftLoop(config, metrics, store, node, members, clientAddresses, state, raftQueue, applyQueue,
                logWriter, responder);
        this.raftThread = new Thread(raftLoop, "raftkv-raft-" + config.nodeId());
        this.logThread = new Thread(logWriter, "raftkv-log-" + config.nodeId());
        this.applyThread = new Thread(applyLoop, "raftkv-apply-" + config.nodeId());
    }

    /** Starts the stages; {@code outbox} receives the raft thread's messages and peer-set changes. */
    void start(Outbox outbox) {
        raftLoop.connect(outbox);
        // Members added at runtime are known from the stored records only: tell the transport at once.
        raftQueue.offer(new RaftInput.RefreshPeers());
        responder.start();
        applyThread.start();
        logThread.start();
        raftThread.start();
    }

    NodeStatus status() {
        return state.status();
    }

    RaftStore store() {
        return store;
    }

    String clientAddress(long id) {
        return clientAddresses.of(id);
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
        if (members.view().removed().contains(config.nodeId())) {
            return NodeException.of(ErrorDetail.Code.NO_LEADER, "node " + config.nodeId() + " was removed from the cluster "
                    + "and serves nothing; use the other members (stop this node and delete its data directory)");
        }
        String told = state.toldRemoved();
        return told == null ? null : NodeException.of(ErrorDetail.Code.NO_LEADER, "node " + config.nodeId()
                + " serves nothing; use the other members: " + told);
    }

    /**
     * Non-null while this node must serve nothing: removed, refused by its peers (a recreated data
     * directory), or found corrupt by the corruption check.
     */
    NodeException outOfService() {
        NodeException gone = removed();
        if (gone != null) {
            return gone;
        }
        long recorded = store.stateMachine().recordedIncarnation(config.nodeId());
        if (recorded != 0 && recorded != store.incarnations().self()) {
            // The log this node caught up from knows its id by another data directory: it is a recreated one.
            return NodeException.of(ErrorDetail.Code.NO_LEADER, "node " + config.nodeId() + " serves nothing; use the "
                    + "other members: " + io.raftkv.server.transport.StartupCheck.replacedWhy(config.nodeId()));
        }
        return StateChecker.refusal(config.nodeId(), store.stateMachine().alarms());
    }

    /** Health hears of leader loss from the raft thread the moment it happens. */
    void attachHealth(NodeHealth h) {
        state.watchHealth(h);
    }

    /** The corruption check (attached before the node starts). */
    StateChecker checker() {
        return checker;
    }

    /** Connects the corruption check (the server makes it once the transport exists). */
    void attachChecker(StateChecker c) {
        this.checker = c;
        applyLoop.bindChecker(c);
    }

    @Override
    public io.raftkv.server.transport.Usage usage() {
        SpaceMonitor s = space;
        return s == null ? io.raftkv.server.transport.Usage.UNKNOWN : s.usage();
    }

    @Override
    public void peerUsage(long peer, io.raftkv.server.transport.Usage usage) {
        SpaceMonitor s = space;
        if (s != null) {
            s.peerUsage(peer, usage);
        }
    }

    /** Connects the space monitor (the server makes it before the transport starts). */
    void attachSpace(SpaceMonitor s) {
        this.space = s;
    }

    @Override
    public io.raftkv.server.transport.HashAnswer stateHash(long index) {
        StateChecker c = checker;
        return c == null ? io.raftkv.server.transport.HashAnswer.UNKNOWN : c.answer(index);
    }

    /** Proposals appended and not yet applied or answered. */
    int proposalsPending() {
        return applyLoop.pending();
    }

    /** Client requests admitted and not yet answered (what load shedding counts). */
    int inFlight() {
        return admission.pending();
    }

    /** Non-null once the node stopped serving writes (storage failure or a broken invariant). */
    NodeException halted() {
        return state.halted();
    }

    // ------------------------------------------------------------------ Inbox (transport threads)

    @Override
    public void receive(Message message) {
        raftQueue.offer(new RaftInput.PeerMessage(message));
    }

    @Override
    public void reportUnreachable(long peer) {
        raftQueue.offer(new RaftInput.Unreachable(peer));
    }

    @Override
    public void peerDown(long peer) {
        raftQueue.offer(new RaftInput.PeerDown(peer));
    }

    @Override
    public void reportSnapshot(long peer, boolean success) {
        raftQueue.offer(new RaftInput.SnapshotReport(peer, success));
    }

    @Override
    public void learnClientAddress(long peer, String clientAddress) {
        clientAddresses.learn(peer, clientAddress);
    }

    @Override
    public boolean isRemoved(long peer) {
        return members.view().removed().contains(peer);
    }

    @Override
    public void removedFromCluster(String why) {
        if (state.toldRemoved("a peer says it was removed from the cluster (" + why + "); stop it and delete its data "
                + "directory")) {
            LOG.warn("node {}: a peer says this node was removed from the cluster ({}); it stops serving: stop it and "
                    + "delete its data directory", config.nodeId(), why);
        }
    }

    @Override
    public void replaced(String why) {
        if (state.toldRemoved(why)) {
            LOG.error("node {} stops serving: {}", config.nodeId(), why);
        }
    }

    // ------------------------------------------------------------------ requests (gRPC threads: admission)

    /**
     * Replicates a request through the log. Completes with the applied result, or exceptionally with a
     * {@link NodeException} whose code tells the client whether a retry is safe.
     */
    CompletableFuture<Applied> propose(Request request, Duration timeout) {
        CompletableFuture<Applied> f = new CompletableFuture<>();
        if (addsData(request.command())) {
            NodeException full = SpaceMonitor.refusal(store.stateMachine().alarms());
            if (full != null) {
                f.completeExceptionally(full);
                return f;
            }
        }
        byte[] data = CommandCodec.encode(request);
        if (admit(data.length, f)) {
            enqueue(new RaftInput.Propose(data, deadline(timeout), f));
        }
        return f;
    }

    /** What a NOSPACE alarm refuses: writes that add data. Deletes, session upkeep and alarms go through. */
    private static boolean addsData(io.raftkv.storage.Command c) {
        if (c instanceof io.raftkv.storage.Command.Put || c instanceof io.raftkv.storage.Command.OpenSession) {
            return true;
        }
        return c instanceof io.raftkv.storage.Command.Txn t
                && (t.success().stream().anyMatch(op -> op instanceof io.raftkv.storage.Command.Put)
                || t.failure().stream().anyMatch(op -> op instanceof io.raftkv.storage.Command.Put));
    }

    /**
     * Completes once this node may serve a linearizable read: a quorum confirmed the leader's leadership
     * after the read arrived (one ReadIndex round shared by every read waiting for it; on a follower the
     * round is asked of the leader), and this node's state machine has applied the read index. The value
     * is the applied index the read will observe at least.
     */
    CompletableFuture<Long> readBarrier(Duration timeout) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        if (config.unsafeLocalReads()) {
            // Negative control for the chaos harness: deliberately not linearizable.
            f.complete(store.stateMachine().appliedIndex());
            return f;
        }
        if (admit(0, f)) {
            enqueue(new RaftInput.Read(deadline(timeout), f));
        }
        return f;
    }

    /** Asks for leadership to move to {@code target} (0: the most up-to-date follower). */
    CompletableFuture<Long> transferLeadership(long target) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        enqueue(new RaftInput.Transfer(target, f));
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
        enqueue(new RaftInput.ChangeMembership(kind, id, peerAddress, clientAddress, deadline(timeout), f));
        return f;
    }

    private boolean admit(long size, CompletableFuture<?> f) {
        NodeException refused = refusal();
        if (refused == null) {
            refused = admission.admit(size, f);
        }
        if (refused != null) {
            f.completeExceptionally(refused);
            return false;
        }
        return true;
    }

    /**
     * Queues a request for the raft thread. If the node stopped meanwhile and the request is still queued,
     * nobody will run or drain it: take it back and refuse it here.
     */
    private void enqueue(RaftInput.ClientRequest request) {
        raftQueue.offer(request);
        if (!state.running() && raftQueue.remove(request)) {
            request.reply().completeExceptionally(notProposed());
        }
    }

    private NodeException refusal() {
        if (state.halted() != null) {
            return state.halted();
        }
        NodeException gone = outOfService();
        if (gone != null) {
            return gone;
        }
        if (!state.running()) {
            return NodeException.of(ErrorDetail.Code.NO_LEADER, "node is shutting down; retry on another node");
        }
        return null;
    }

    private long deadline(Duration timeout) {
        Duration d = timeout == null || timeout.compareTo(config.requestTimeout()) > 0 ? config.requestTimeout() : timeout;
        return System.nanoTime() + d.toNanos();
    }

    private NodeException notProposed() {
        return NodeException.of(ErrorDetail.Code.NO_LEADER, "node " + config.nodeId()
                + " shut down before proposing the request (not applied); retry on another node");
    }

    /**
     * For requests still waiting when the node stops: their entries may already be replicated and commit
     * under the next leader, so "not applied" would be a lie that invites a double apply.
     */
    static NodeException outcomeUnknown(long nodeId, String what) {
        return NodeException.of(ErrorDetail.Code.NO_QUORUM, "node " + nodeId + " " + what
                + " before the request's outcome was known; a write may or may not apply: retry it only through a session");
    }

    // ------------------------------------------------------------------ lifecycle

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
        if (!state.running()) {
            return;
        }
        NodeStatus s = state.status();
        if (graceful && s.role() == StateRole.LEADER && state.halted() == null && s.conf().voters().size() > 1) {
            transferLeadership(0);
            long until = System.nanoTime() + 2 * config.electionTicks() * tickNanos;
            while (state.status().role() == StateRole.LEADER && System.nanoTime() - until < 0) {
                LockSupport.parkNanos(tickNanos);
            }
            LOG.info("node {}: leadership {} before shutdown", config.nodeId(), state.status().role() == StateRole.LEADER
                    ? "could not be transferred" : "transferred to " + state.status().leaderId());
        }
        state.stopRunning();
        raftQueue.wakeConsumer();
        joinQuietly(raftThread);
        // Requests the raft thread never reached were certainly not proposed: say so, so clients retry.
        for (RaftInput in = raftQueue.poll(); in != null; in = raftQueue.poll()) {
            if (in instanceof RaftInput.ClientRequest r) {
                r.reply().completeExceptionally(notProposed());
            }
        }
        logWriter.stop();
        joinQuietly(logThread);
        applyLoop.stop();
        joinQuietly(applyThread);
        responder.close();
        applyLoop.awaitSnapshotter();
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdown();
    }
}
