package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * One node's Raft state machine, driven from a single thread. Nothing here reads a clock, starts a
 * thread, takes a lock or performs I/O: time arrives as {@link #tick()}, input as {@link #step},
 * proposals and reads as method calls, and all output leaves as {@link Ready} values.
 *
 * <p>Given the same storage contents, configuration, random seed and call sequence, a node produces
 * the same Readies; the simulator relies on this to replay any failure from its seed.
 *
 * <p>Broken invariants (a conflict with a committed entry, a commit index beyond the log) throw
 * {@link IllegalStateException}: the node must halt rather than continue with corrupt state.
 */
public final class RawNode {
    /** Package-private so that the test tree can inspect the log; nothing in src/main reaches in. */
    final Raft raft;
    private SoftState prevSoftState;
    private HardState prevHardState;
    private boolean readyOutstanding;

    /**
     * Starts or restarts a node from what {@code storage} holds. A brand-new member of the initial
     * cluster starts from a storage that holds only the initial configuration (see
     * {@link MemoryStorage#bootstrap}); a node joining later starts from an empty configuration and
     * learns everything from the leader.
     */
    public RawNode(RaftConfig config, Storage storage, RandomGenerator random) {
        this(config, storage, random, RaftRules.INSTANCE);
    }

    /** With other rules: only the test tree passes anything but {@link RaftRules}, to break one on purpose. */
    RawNode(RaftConfig config, Storage storage, RandomGenerator random, Rules rules) {
        this.raft = new Raft(config, storage, random, rules);
        this.prevSoftState = raft.softState();
        this.prevHardState = raft.hardState();
    }

    public long id() {
        return raft.id;
    }

    /** Advances logical time by one tick: elections, heartbeats, check-quorum and transfer timeouts. */
    public void tick() {
        raft.tick();
    }

    /** Starts an election now (a no-op on leaders, learners and removed nodes). */
    public void campaign() {
        raft.hup(false);
    }

    /**
     * Feeds a message from a peer. Messages from unknown or removed peers, of stale terms, or
     * duplicated and reordered by the network are handled as Raft requires (usually ignored).
     */
    public void step(Message m) {
        Objects.requireNonNull(m, "message");
        if (m.to() != raft.id) {
            throw new IllegalArgumentException("message for node " + m.to() + " stepped into node " + raft.id + ": " + m);
        }
        raft.step(m);
    }

    /** Proposes application data; only a leader accepts it. */
    public ProposeResult propose(byte[] data) {
        return raft.propose(Objects.requireNonNull(data, "data"));
    }

    /** Proposes a membership change; see {@link ConfChange} and {@link ProposeResult.Reason}. */
    public ProposeResult proposeConfChange(ConfChange cc) {
        return raft.proposeConfChange(Objects.requireNonNull(cc, "conf change"));
    }

    /**
     * Applies a committed membership change; the driver calls this for every committed
     * {@link EntryType#CONF_CHANGE} entry, in log order, before {@link #advance}. Returns the new
     * configuration, which the driver persists together with its applied index.
     */
    public ConfState applyConfChange(ConfChange cc) {
        return raft.applyConfChange(Objects.requireNonNull(cc, "conf change"));
    }

    /**
     * Requests a linearizable read point. Later, a {@link ReadState} with this {@code requestCtx} appears
     * in a Ready (or never, if leadership is lost: the caller times out and retries). Returns false when
     * no leader is known, so the caller can fail fast.
     */
    public boolean readIndex(long requestCtx) {
        return raft.readIndex(requestCtx);
    }

    /**
     * With {@link RaftConfig#deferCommit}: whether this leader holds a commit index that some follower
     * was not told yet. The driver then calls {@link #sendCommit} after a short delay unless an
     * AppendEntries carried it first. Always false on followers and candidates.
     */
    public boolean commitToSend() {
        return raft.state == StateRole.LEADER && raft.leader.commitToSend();
    }

    /** Sends the commit index to every follower that would learn from it (an empty AppendEntries each). */
    public void sendCommit() {
        if (raft.state == StateRole.LEADER) {
            raft.leader.sendCommit();
        }
    }

    /** Asks the leader to hand leadership to {@code transferee} (thesis §3.10). */
    public void transferLeadership(long transferee) {
        raft.transferLeadership(transferee);
    }

    /**
     * The driver has evidence that this follower's leader is gone (its process refuses connections): the
     * follower forgets it, so it grants (pre-)votes at once instead of honouring a dead leader's lease for
     * up to an election timeout (etcd's ForgetLeader). Safety is untouched: a vote still needs an
     * up-to-date log and is given once per term. A no-op on any other role; the next message from a live
     * leader restores it.
     */
    public void forgetLeader() {
        raft.forgetLeader();
    }

    /** The transport could not deliver to {@code peer}: stop pipelining to it and probe instead. */
    public void reportUnreachable(long peer) {
        raft.reportUnreachable(peer);
    }

    /** The out-of-band transfer of the last snapshot to {@code peer} finished or failed. */
    public void reportSnapshot(long peer, boolean success) {
        raft.reportSnapshot(peer, success);
    }

    public boolean hasReady() {
        if (readyOutstanding) {
            return false;
        }
        Raft r = raft;
        if (!r.softState().equals(prevSoftState)) {
            return true;
        }
        HardState hs = r.hardState();
        if (!hs.isEmpty() && !hs.equals(prevHardState)) {
            return true;
        }
        return r.log.unstable.snapshot != null || !r.log.unstable.entries.isEmpty() || !r.msgs.isEmpty()
                || !r.msgsAfterAppend.isEmpty() || !r.readStates.isEmpty() || r.log.hasNextCommittedEntries();
    }

    /** Takes everything the driver must do now; see {@link Ready} for the order. */
    public Ready ready() {
        if (readyOutstanding) {
            throw new IllegalStateException("ready() called again before advance()");
        }
        Raft r = raft;
        SoftState ss = r.softState();
        HardState hs = r.hardState();
        Optional<SoftState> softState = ss.equals(prevSoftState) ? Optional.empty() : Optional.of(ss);
        Optional<HardState> hardState = hs.isEmpty() || hs.equals(prevHardState) ? Optional.empty() : Optional.of(hs);
        List<Entry> entries = r.log.unstableEntries();
        Optional<Snapshot> snapshot = Optional.ofNullable(r.log.unstable.snapshot);
        boolean mustSync = !entries.isEmpty() || snapshot.isPresent()
                || (hardState.isPresent() && (hs.term() != prevHardState.term() || hs.vote() != prevHardState.vote()));
        List<Entry> committed = r.log.nextCommittedEntries();
        if (!committed.isEmpty()) {
            r.log.applying = committed.get(committed.size() - 1).index();
        }
        Ready rd = new Ready(softState, hardState, r.readStates, entries, snapshot, committed,
                r.msgs, r.msgsAfterAppend, mustSync);
        r.msgs = new ArrayList<>();
        r.msgsAfterAppend = new ArrayList<>();
        r.readStates = new ArrayList<>();
        prevSoftState = ss;
        prevHardState = hardState.orElse(prevHardState);
        readyOutstanding = true;
        return rd;
    }

    /**
     * While a Ready is being persisted (between {@link #ready()} and {@link #advance}), takes what may
     * leave before that write completes: a leader's messages (AppendEntries and heartbeats never promise
     * the leader's own durable state, thesis §10.2.1) and read states (served only once the state machine
     * reaches their index, which needs nothing persisted here). Without this a leader fell silent for the
     * length of every fsync: no heartbeats, no replication of what arrived meanwhile, no read rounds.
     * Messages that promise persisted state (votes, acknowledgements) stay for the next Ready.
     */
    public Early takeEarly() {
        Raft r = raft;
        if (r.msgs.isEmpty() && r.readStates.isEmpty()) {
            return Early.NONE;
        }
        Early e = new Early(r.msgs, r.readStates);
        r.msgs = new ArrayList<>();
        r.readStates = new ArrayList<>();
        return e;
    }

    /** What {@link #takeEarly()} hands out: messages to send now and read states to serve. */
    public record Early(List<Message> messages, List<ReadState> readStates) {
        static final Early NONE = new Early(List.of(), List.of());

        public Early {
            messages = List.copyOf(messages);
            readStates = List.copyOf(readStates);
        }

        public boolean isEmpty() {
            return messages.isEmpty() && readStates.isEmpty();
        }
    }

    /**
     * Tells the core the driver has done everything {@code rd} asked: persisted it, sent its messages and
     * handed its committed entries to the state machine.
     */
    public void advance(Ready rd) {
        if (!readyOutstanding) {
            throw new IllegalStateException("advance() without an outstanding ready()");
        }
        readyOutstanding = false;
        raft.advance(rd);
    }

    public Status status() {
        return raft.status();
    }
}
