package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;
import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.ProposeResult;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Ready;
import io.raftkv.raft.SoftState;
import io.raftkv.raft.StateRole;
import io.raftkv.raft.Status;
import io.raftkv.storage.Applied;
import io.raftkv.storage.Command;
import io.raftkv.storage.CommandCodec;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raft stage: the only thread that touches the {@link RawNode} and the {@link MemberDirectory}. Each
 * round it takes a batch of {@link RaftInput}s, ticks when a tick is due, and turns the core's output into
 * work for the other stages: messages to the transport (a leader's before its own write), the Ready
 * written (here on a healthy disk, by the {@link LogWriter} while the disk is slow or for a snapshot: see
 * {@link SyncPlacement}), and, once that Ready is durable, acknowledgements to peers and committed entries
 * to the {@link ApplyLoop}. Proposals it appended go to the apply stage as
 * {@link ApplyInput.Track} before their entries can; answers it decides itself (redirects, refusals) go
 * to the {@link Responder}.
 */
final class RaftLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftLoop.class);
    private static final Duration SESSION_EXPIRY_EVERY = Duration.ofSeconds(5);
    private static final int MAX_BATCH = 4096;
    /**
     * How long a leader lets a new commit index wait for an AppendEntries to carry it before sending it
     * on its own ({@link io.raftkv.raft.RaftConfig#deferCommit}). Sending it at once, as etcd does, costs
     * every follower a message, a Ready and an answer per commit; under load the next entries leave within
     * this time anyway, and at one client the client's next put does (its round trip is well under this).
     * Followers apply at most this much later; nothing waits on that (a follower's read waits for the
     * index its read round's heartbeat teaches it).
     */
    private static final long COMMIT_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final RaftStore store;
    private final RawNode node;
    private final MemberDirectory members;
    private final ClientAddresses clientAddresses;
    private final NodeState state;
    private final StageQueue<RaftInput> queue;
    private final StageQueue<ApplyInput> apply;
    private final LogWriter writer;
    private final Responder responder;
    private final long tickNanos;
    private final ReadBatcher reads;
    private final SyncPlacement placement;
    private volatile Outbox outbox = Outbox.NONE;

    // raft thread only
    private final Map<Long, long[]> lastHeard = new HashMap<>();
    private List<Waiters.Proposal> tracks = new ArrayList<>();
    private List<Reply> replies = new ArrayList<>();
    private boolean persistInFlight;
    /** Changes refused only because the core counts the previous change applied once the Ready in flight is written. */
    private final List<RaftInput.ChangeMembership> changesAfterPersist = new ArrayList<>();
    /** Whether the Ready in flight had its committed entries handed to the apply stage before it was written. */
    private boolean committedHandedEarly;
    private StateRole role = StateRole.FOLLOWER;
    private long leaderId;
    private long ticksSinceExpiry;
    private long ticksSinceHandOff;
    private long ticksSinceIncarnations;
    /** Whether a commit index some follower was not told is waiting, and until when. */
    private boolean commitWaiting;
    private long commitDueNanos;
    /** When to campaign after the leader's process was found gone (0: not scheduled). */
    private long campaignAtNanos;
    private final java.util.SplittableRandom random;
    private long now;
    private long term;
    private long commit;
    private long lastIndex;
    private SortedMap<Long, Status.PeerProgress> progress = new TreeMap<>();

    RaftLoop(ServerConfig config, ServerMetrics metrics, RaftStore store, RawNode node, MemberDirectory members,
             ClientAddresses clientAddresses, NodeState state, StageQueue<RaftInput> queue, StageQueue<ApplyInput> apply,
             LogWriter writer, Responder responder) {
        this.config = config;
        this.metrics = metrics;
        this.store = store;
        this.node = node;
        this.members = members;
        this.clientAddresses = clientAddresses;
        this.state = state;
        this.queue = queue;
        this.apply = apply;
        this.writer = writer;
        this.responder = responder;
        this.tickNanos = config.tick().toNanos();
        this.reads = new ReadBatcher(new ReadSink(), config.electionTicks() * tickNanos);
        this.placement = SyncPlacement.forHeartbeat(config.heartbeatTicks() * tickNanos);
        this.random = new java.util.SplittableRandom(config.nodeId() ^ System.nanoTime());
        Status s = node.status();
        this.term = s.hardState().term();
        this.commit = s.hardState().commit();
        this.lastIndex = s.lastIndex();
        this.now = System.nanoTime();
        publishStatus(true);
    }

    void connect(Outbox out) {
        this.outbox = out;
        writer.connect(out);
    }

    // ------------------------------------------------------------------ the loop

    @Override
    public void run() {
        queue.bindConsumer();
        List<RaftInput> batch = new ArrayList<>();
        long nextTick = System.nanoTime() + tickNanos;
        try {
            while (state.running()) {
                queue.drainTo(batch, MAX_BATCH);
                now = System.nanoTime();
                for (RaftInput in : batch) {
                    handle(in);
                }
                batch.clear();
                if (now - nextTick >= 0) {
                    node.tick();
                    onTick();
                    // After a long pause (GC, SIGSTOP) tick once, not a burst: a burst would fire elections.
                    nextTick = Math.max(nextTick + tickNanos, now + tickNanos / 2);
                }
                maybeCampaign();
                drive();
                sendCommitWhenDue();
                flush();
                if (queue.isEmpty()) {
                    long wake = campaignAtNanos != 0 && campaignAtNanos - nextTick < 0 ? campaignAtNanos : nextTick;
                    if (commitWaiting && commitDueNanos - wake < 0) {
                        wake = commitDueNanos;
                    }
                    queue.await(wake - System.nanoTime());
                }
            }
        } catch (RuntimeException | Error e) {
            halt("raft core halted: " + e, e);
        }
        finish();
    }

    /** Sends a commit index no AppendEntries carried within {@link #COMMIT_DELAY_NANOS} on its own. */
    private void sendCommitWhenDue() {
        if (!node.commitToSend()) {
            commitWaiting = false;
            return;
        }
        long t = System.nanoTime();
        if (!commitWaiting) {
            commitWaiting = true;
            commitDueNanos = t + COMMIT_DELAY_NANOS;
        } else if (t - commitDueNanos >= 0) {
            commitWaiting = false;
            node.sendCommit();
            drive();
        }
    }

    private void handle(RaftInput in) {
        if (in instanceof RaftInput.PeerMessage p) {
            lastHeard.computeIfAbsent(p.message().from(), k -> new long[1])[0] = now;
            node.step(p.message());
        } else if (in instanceof RaftInput.Persisted p) {
            placement.synced(p.syncNanos(), now);
            onPersisted(p.ready());
        } else if (in instanceof RaftInput.Propose p) {
            propose(p);
        } else if (in instanceof RaftInput.Read r) {
            reads.add(new Waiters.Read(r.deadlineNanos(), r.reply()), canRead(), readRefusal(), now);
        } else if (in instanceof RaftInput.Unreachable u) {
            node.reportUnreachable(u.peer());
        } else if (in instanceof RaftInput.SnapshotReport s) {
            node.reportSnapshot(s.peer(), s.success());
        } else if (in instanceof RaftInput.PeerDown d) {
            onPeerDown(d.peer());
        } else if (in instanceof RaftInput.Transfer t) {
            transfer(t);
        } else if (in instanceof RaftInput.ChangeMembership c) {
            changeMembership(c);
        } else if (in instanceof RaftInput.RefreshPeers) {
            outbox.updatePeers(members.transportPeers(node.status().config()));
        } else if (in instanceof RaftInput.Failed f) {
            halt(f.why(), f.cause());
        }
    }

    /** Hands this round's new waiters to the apply stage and its answers to the responder. */
    private void flush() {
        if (!tracks.isEmpty()) {
            apply.offer(new ApplyInput.Track(tracks));
            tracks = new ArrayList<>();
        }
        if (!replies.isEmpty()) {
            responder.submit(replies);
            replies = new ArrayList<>();
        }
    }

    private void onTick() {
        reads.onTick(now, readRefusal());
        if (role == StateRole.LEADER && ++ticksSinceExpiry * tickNanos >= SESSION_EXPIRY_EVERY.toNanos()) {
            ticksSinceExpiry = 0;
            // Session expiry is decided through the log with the leader's clock, never by local clocks; with no
            // session open there is nothing to expire, and an idle cluster should not write.
            if (store.stateMachine().hasSessions()) {
                node.propose(CommandCodec.encode(Request.of(new Command.ExpireSessions(System.currentTimeMillis()))));
            }
        }
        handOffIfCorrupt();
        recordIncarnations();
        publishStatus(true);
    }

    /**
     * The leader puts each member's data-directory incarnation into the log once it knows it (its own, and
     * each peer's from its message streams), so that every member refuses a recreated directory under that
     * id, including members that never exchanged a message with it before it lost its disk.
     */
    private void recordIncarnations() {
        if (role != StateRole.LEADER || ++ticksSinceIncarnations < config.electionTicks()) {
            return;
        }
        ticksSinceIncarnations = 0;
        for (long id : state.status().conf().allMembers()) {
            if (store.stateMachine().recordedIncarnation(id) != 0) {
                continue;
            }
            long known = id == config.nodeId() ? store.incarnations().self() : store.incarnations().of(id);
            if (known != 0) {
                node.propose(CommandCodec.encode(Request.of(new Command.RecordIncarnation(id, known))));
            }
        }
    }

    /**
     * Fast failover: the leader's peer port refused a connection, so its process is gone (a SIGKILL or a
     * crash; a partition is silence, which this never sees). Waiting out its lease (an election timeout,
     * 1-2 s) buys nothing: forget it, so this node grants votes at once, and campaign after a random delay
     * of up to two ticks, so the followers, which all see the refusal at about the same time, do not split
     * the vote.
     */
    private void onPeerDown(long peer) {
        if (role != StateRole.FOLLOWER || peer != leaderId || leaderId == 0) {
            return;
        }
        LOG.info("node {}: leader {} refuses connections (its process is gone): electing a new one now", config.nodeId(),
                peer);
        node.forgetLeader();
        campaignAtNanos = now + 1 + random.nextLong(2 * tickNanos);
    }

    private void maybeCampaign() {
        if (campaignAtNanos == 0 || now - campaignAtNanos < 0) {
            return;
        }
        campaignAtNanos = 0;
        if (role != StateRole.LEADER && leaderId == 0) {
            node.campaign();
        }
    }

    /**
     * A leader whose own state was found corrupt serves nothing, so it must not hold leadership: it hands
     * it to the most up-to-date follower (again every election timeout, in case it wins an election later).
     */
    private void handOffIfCorrupt() {
        if (role != StateRole.LEADER || ++ticksSinceHandOff < config.electionTicks()) {
            return;
        }
        ticksSinceHandOff = 0;
        if (StateChecker.refusal(config.nodeId(), store.stateMachine().alarms()) == null) {
            return;
        }
        long to = bestTransferee();
        if (to != 0) {
            LOG.warn("node {}: this leader's state is marked CORRUPT; handing leadership to node {}", config.nodeId(), to);
            node.transferLeadership(to);
        }
    }

    // ------------------------------------------------------------------ Ready handling

    /** Readies handled back to back when they need no log writer (see {@link #persistHere}). */
    private static final int MAX_INLINE_READIES = 4;

    private void drive() {
        for (int i = 0; i < MAX_INLINE_READIES && driveOnce(); i++) {
            // another Ready may be waiting behind one written here
        }
    }

    /** Takes the next Ready if there is one and none is in flight; true if it was written on this thread. */
    private boolean driveOnce() {
        if (state.halted() != null) {
            return false;
        }
        if (persistInFlight) {
            // A leader keeps replicating, heartbeating and confirming reads while its own fsync runs.
            RawNode.Early early = node.takeEarly();
            if (!early.isEmpty()) {
                outbox.send(early.messages());
                early.readStates().forEach(this::onReadState);
            }
            return false;
        }
        if (!node.hasReady()) {
            return false;
        }
        Ready rd = node.ready();
        rd.softState().ifPresent(this::onSoftState);
        outbox.send(rd.messages());
        // A read state needs only the state machine to reach its index, nothing of this Ready persisted.
        rd.readStates().forEach(this::onReadState);
        rd.hardState().ifPresent(this::noteHardState);
        if (!rd.entries().isEmpty()) {
            lastIndex = rd.entries().get(rd.entries().size() - 1).index();
        }
        rd.snapshot().ifPresent(s -> lastIndex = Math.max(lastIndex, s.index()));
        // Committed entries are already durable here (and on a quorum): apply them while this Ready is being
        // written, as etcd does, instead of a log-writer round trip later. Not past a snapshot this Ready
        // installs: those follow the install.
        committedHandedEarly = rd.snapshot().isEmpty() && !rd.committedEntries().isEmpty();
        if (committedHandedEarly && handCommitted(rd.committedEntries())) {
            outbox.updatePeers(members.transportPeers(node.status().config()));
        }
        if (nothingToSync(rd) || (rd.snapshot().isEmpty() && placement.onRaftThread(now))) {
            persistHere(rd);
            return true;
        }
        persistInFlight = true;
        writer.submit(new LogWriter.Persist(rd));
        return false;
    }

    /** A Ready with no entries, no snapshot and no sync (a commit index that moved, messages): no disk wait. */
    private static boolean nothingToSync(Ready rd) {
        return rd.entries().isEmpty() && rd.snapshot().isEmpty() && !rd.mustSync();
    }

    /**
     * Writes a Ready on this thread instead of handing it to the log writer and back, a round trip of two
     * thread wake-ups per Ready on every node: always when it needs no sync (an unsynced RocksDB write of
     * the hard state, a few microseconds), and a synced one while the disk is fast ({@link SyncPlacement}).
     * Only one Ready is ever in flight, so log writes stay in order.
     */
    private void persistHere(Ready rd) {
        try {
            long synced = LogWriter.persistTimed(config.nodeId(), store, metrics, rd);
            now = System.nanoTime();
            placement.synced(synced, now);
        } catch (RuntimeException e) {
            halt("storage write failed; the node stops its write path: " + e, e);
            return;
        }
        outbox.send(rd.persistedMessages());
        onPersisted(rd);
    }

    /** Hands committed entries to the apply stage (conf changes applied to the core first); true if any changed the configuration. */
    private boolean handCommitted(List<Entry> committed) {
        Map<Long, ConfState> confStates = applyConfChanges(committed);
        // Waiters first: a proposal is always tracked before the Apply that answers it.
        flush();
        apply.offer(new ApplyInput.Apply(committed, confStates));
        return !confStates.isEmpty();
    }

    /** The log writer made {@code rd} durable and has sent its persisted messages (acknowledgements, votes). */
    private void onPersisted(Ready rd) {
        boolean membershipChanged = false;
        if (rd.snapshot().isPresent()) {
            LOG.info("node {}: installed snapshot at index {}", config.nodeId(), rd.snapshot().get().index());
            // The image replaced the member records too; read them before this Ready's entries are applied.
            members.reload(store.stateMachine().members());
            membershipChanged = true;
            apply.offer(new ApplyInput.SnapshotInstalled());
        }
        if (!committedHandedEarly && !rd.committedEntries().isEmpty()) {
            membershipChanged |= handCommitted(rd.committedEntries());
        }
        if (membershipChanged) {
            outbox.updatePeers(members.transportPeers(node.status().config()));
        }
        node.advance(rd);
        persistInFlight = false;
        publishStatus(membershipChanged);
        retryChangesAfterPersist();
    }

    /** Applies committed conf changes to the core and the member directory, in log order. */
    private Map<Long, ConfState> applyConfChanges(List<Entry> committed) {
        Map<Long, ConfState> confStates = new TreeMap<>();
        for (Entry e : committed) {
            if (e.type() == EntryType.CONF_CHANGE) {
                ConfChange cc = ConfChange.decode(e.data());
                ConfState before = node.status().config();
                ConfState cs = node.applyConfChange(cc);
                members.apply(cc, before, cs);
                confStates.put(e.index(), cs);
                LOG.info("node {}: configuration is now {} (after {} at index {})", config.nodeId(), cs, cc, e.index());
            }
        }
        if (!confStates.isEmpty()) {
            // Publish the new configuration before the apply stage answers the change: a client that lists
            // the members after its change returned must see it.
            publishStatus(true);
        }
        return confStates;
    }

    private void onSoftState(SoftState ss) {
        boolean leaderChanged = ss.leader() != leaderId;
        if (leaderChanged) {
            if (ss.leader() != 0) {
                metrics.leaderChanged();
            } else {
                state.leaderLost();
            }
            LOG.info("node {}: leader is now {} (role {})", config.nodeId(), ss.leader() == 0 ? "unknown" : ss.leader(),
                    ss.role());
        }
        boolean roleChanged = ss.role() != role;
        role = ss.role();
        leaderId = ss.leader();
        ticksSinceExpiry = 0;
        if (leaderChanged || roleChanged) {
            reads.onLeaderChange(canRead(), readRefusal(), now);
        }
        publishStatus(true);
    }

    private void noteHardState(HardState hs) {
        term = hs.term();
        commit = hs.commit();
    }

    private void onReadState(ReadState rs) {
        reads.onReadState(rs.requestCtx(), rs.index(), readRefusal(), now);
    }

    // ------------------------------------------------------------------ client requests

    private void propose(RaftInput.Propose p) {
        if (p.deadlineNanos() - now < 0) {
            replies.add(new Reply.Failed(p.reply(), NodeException.of(ErrorDetail.Code.OVERLOADED,
                    "the request waited past its deadline before it could be proposed (not applied); back off")));
            return;
        }
        track(node.propose(p.data()), p.deadlineNanos(), p.reply());
    }

    /** An appended proposal waits for its entry to apply; a dropped one fails at once with the reason. */
    private void track(ProposeResult r, long deadline, CompletableFuture<Applied> f) {
        if (r instanceof ProposeResult.Appended a) {
            tracks.add(new Waiters.Proposal(a.index(), a.term(), deadline, f));
        } else {
            metrics.proposalFailed();
            replies.add(new Reply.Failed(f, dropped((ProposeResult.Dropped) r)));
        }
    }

    private NodeException dropped(ProposeResult.Dropped d) {
        return switch (d.reason()) {
            case NOT_LEADER, NOT_MEMBER -> NodeException.notLeader(d.leaderHint(), clientAddresses.of(d.leaderHint()));
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

    private boolean canRead() {
        return role == StateRole.LEADER || (role == StateRole.FOLLOWER && leaderId != 0);
    }

    private NodeException readRefusal() {
        return NodeException.notLeader(leaderId, clientAddresses.of(leaderId));
    }

    private void transfer(RaftInput.Transfer t) {
        if (role != StateRole.LEADER) {
            replies.add(new Reply.Failed(t.reply(), readRefusal()));
            return;
        }
        ConfState conf = node.status().config();
        long to = t.target() != 0 ? t.target() : bestTransferee();
        if (to == 0 || to == config.nodeId() || !conf.voters().contains(to)) {
            replies.add(new Reply.Failed(t.reply(), NodeException.of(ErrorDetail.Code.INVALID, to == 0
                    ? "no voter to transfer leadership to" : to == config.nodeId() ? "node " + to + " is already the leader"
                    : "node " + to + " is not a voter of this cluster (voters: " + conf.voters() + ")")));
            return;
        }
        node.transferLeadership(to);
        replies.add(new Reply.Transferred(t.reply(), to));
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

    private void changeMembership(RaftInput.ChangeMembership c) {
        if (role != StateRole.LEADER) {
            replies.add(new Reply.Failed(c.reply(), readRefusal()));
            return;
        }
        ConfChange cc;
        try {
            cc = MembershipRules.check(c.kind(), c.id(), c.peerAddress(), c.clientAddress(), withActivity(node.status()),
                    members.view());
        } catch (NodeException e) {
            replies.add(new Reply.Failed(c.reply(), e));
            return;
        }
        ProposeResult r = node.proposeConfChange(cc);
        if (r instanceof ProposeResult.Appended a) {
            LOG.info("node {}: proposed {} at index {}", config.nodeId(), cc, a.index());
        } else if (persistInFlight && r instanceof ProposeResult.Dropped d
                && d.reason() == ProposeResult.Reason.CONF_CHANGE_PENDING) {
            // The previous change may already be applied (and answered): the apply stage runs ahead of the
            // log writer, and the core counts an entry applied when the Ready holding its commit is written.
            changesAfterPersist.add(c);
            return;
        }
        track(r, c.deadlineNanos(), c.reply());
    }

    /** Proposes once more the changes that waited for a write; a change still pending now is refused. */
    private void retryChangesAfterPersist() {
        if (changesAfterPersist.isEmpty()) {
            return;
        }
        List<RaftInput.ChangeMembership> waiting = List.copyOf(changesAfterPersist);
        changesAfterPersist.clear();
        for (RaftInput.ChangeMembership c : waiting) {
            changeMembership(c);
        }
    }

    // ------------------------------------------------------------------ status

    /**
     * Publishes what other threads may read. The per-peer progress (a map per call) is rebuilt only on
     * ticks and changes of role or membership, not per Ready.
     */
    private void publishStatus(boolean withProgress) {
        if (withProgress) {
            Status s = withActivity(node.status());
            progress = s.progress();
            term = s.hardState().term();
            commit = s.hardState().commit();
            lastIndex = s.lastIndex();
            state.publish(new RaftNode.NodeStatus(s.id(), s.softState().role(), term, s.softState().leader(), commit,
                    lastIndex, s.config(), progress));
            return;
        }
        RaftNode.NodeStatus prev = state.status();
        state.publish(new RaftNode.NodeStatus(config.nodeId(), role, term, leaderId, commit, lastIndex, prev.conf(), progress));
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
        long window = config.electionTicks() * tickNanos;
        TreeMap<Long, Status.PeerProgress> active = new TreeMap<>();
        s.progress().forEach((id, p) -> {
            long[] heard = lastHeard.get(id);
            boolean recent = id == config.nodeId() || (heard != null && now - heard[0] < window);
            active.put(id, new Status.PeerProgress(p.match(), p.next(), p.state(), recent, p.learner(), p.inflight()));
        });
        return new Status(s.id(), s.hardState(), s.softState(), s.applied(), s.lastIndex(), s.config(), s.leadTransferee(),
                active);
    }

    // ------------------------------------------------------------------ failure and shutdown

    private void halt(String why, Throwable cause) {
        if (!state.halt(why)) {
            return;
        }
        LOG.error("node {}: {}", config.nodeId(), why, cause);
        failEverything(RaftNode.outcomeUnknown(config.nodeId(), "stopped serving (" + why + ")"));
    }

    /** The loop ended (shutdown or halt): nothing it holds will be answered by anyone else. */
    private void finish() {
        failEverything(RaftNode.outcomeUnknown(config.nodeId(), "shut down"));
    }

    private void failEverything(NodeException cause) {
        reads.failAll(state.halted() != null ? state.halted() : cause);
        tracks.forEach(p -> replies.add(new Reply.Failed(p.future(), cause)));
        tracks = new ArrayList<>();
        apply.offer(new ApplyInput.FailAll(cause));
        flush();
    }

    /** The read batcher's way out: rounds go to the core, confirmed reads to the apply stage, failures to clients. */
    private final class ReadSink implements ReadBatcher.Sink {
        @Override
        public boolean startRound(long ctx) {
            boolean started = node.readIndex(ctx);
            if (started) {
                metrics.readIndexRound();
            }
            return started;
        }

        @Override
        public void confirmed(long index, List<Waiters.Read> confirmed) {
            apply.offer(new ApplyInput.ReadsAt(index, confirmed));
        }

        @Override
        public void failed(Waiters.Read read, NodeException why) {
            metrics.readFailed();
            replies.add(new Reply.Failed(read.future(), why));
        }
    }
}
