package io.raftkv.raft.sim;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Message;
import io.raftkv.raft.ProposeResult;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A deterministic simulation of a Raft cluster: one seed drives every choice (which action, which
 * message, which fault, every node's randomness), there are no threads and no clock, and every
 * collection whose order matters is ordered. Each step performs one {@link Action}, drives the touched
 * nodes through their Readies exactly as a server would, and lets the {@link Checker} verify the
 * invariants on every event. Twice per run the nemesis heals everything and liveness is checked.
 */
final class Simulator {
    /**
     * A report the transport owes a sender (snapshot outcome, unreachable peer), delivered once due. A
     * snapshot travels out of band like the server's streamed image: its outcome is reported when the
     * transfer ends, later and independently of what the receiver's core makes of it.
     */
    private record Report(long sender, int senderIncarnation, long peer, int kind, long dueStep) {
        static final int SNAPSHOT_OK = 0;
        static final int SNAPSHOT_FAILED = 1;
        static final int UNREACHABLE = 2;
    }

    final Scenario sc;
    final SplittableRandom rng;
    final Stats stats = new Stats();
    final Trace trace = new Trace(SimProps.traceSize());
    final TreeMap<Long, SimNode> nodes = new TreeMap<>();
    final Network net = new Network();
    final Checker checker;
    final Nemesis nemesis;
    private final Liveness liveness;
    private final double[] weights;
    private final ArrayList<Report> reports = new ArrayList<>();
    final ArrayList<SimNode> toRetire = new ArrayList<>();

    long step;
    /** Liveness phases: no loss, duplication, delay or asynchronous persistence. */
    boolean quiet;
    private long writeSeq;
    private long diskSeq;
    /** Each member's data-directory incarnation as the cluster knows it. */
    private final TreeMap<Long, Long> memberDisk = new TreeMap<>();
    private long readSeq;
    /** The last requested leadership transfer, to count the ones that complete. */
    long transferTarget;
    long transferTerm;
    /** Summary of the run's course, printed with -Dsim.verbose so replays can be compared across JVMs. */
    long fingerprint;

    Simulator(Scenario sc) {
        this.sc = sc;
        this.rng = new SplittableRandom(sc.seed());
        this.weights = sc.weights();
        List<Long> ids = new ArrayList<>();
        for (long id = 1; id <= sc.clusterSize(); id++) {
            ids.add(id);
        }
        ConfState initial = ConfState.of(ids);
        this.checker = new Checker(stats, initial);
        this.nemesis = new Nemesis(this);
        this.liveness = new Liveness(this);
        for (long id : ids) {
            SimNode n = new SimNode(id, sc.config(id), MemoryStorage.bootstrap(initial), newDiskId());
            n.everMember = true;
            nodes.put(id, n);
            register(n);
        }
    }

    /** Runs the whole scenario; returns its statistics or throws {@link SimFailure}. */
    Stats run() {
        try {
            for (SimNode n : nodes.values()) {
                n.start(rng, sc.control());
                trace.add(0, n.id, "start", null);
            }
            long mid = sc.steps() / 2 + rng.nextInt(Math.max(1, sc.steps() / 4));
            for (step = 1; step <= sc.steps(); step++) {
                stats.inFlightSum += net.size();
                act(chooseAction());
                afterAction();
                if (step == mid) {
                    liveness.check("mid-run");
                }
            }
            step = sc.steps();
            liveness.check("final");
        } catch (InvariantViolation v) {
            throw failure(v.invariant, v.getMessage(), null);
        } catch (RuntimeException e) {
            StackTraceElement[] st = e.getStackTrace();
            boolean ours = st.length > 0 && st[0].getClassName().startsWith(Simulator.class.getPackageName() + ".");
            throw failure(ours ? "simulator-error" : "core-halted", e.toString(), e);
        }
        stats.runs = 1;
        stats.steps = sc.steps();
        fingerprint = trace.fingerprint() * 31 + checker.appliedAnywhere();
        return stats;
    }

    private SimFailure failure(String invariant, String detail, Throwable cause) {
        StringBuilder sb = new StringBuilder(detail);
        for (SimNode n : nodes.values()) {
            sb.append("\n    ").append(n);
        }
        sb.append("\n    leaders by term (latest first): ").append(checker.leadersSummary());
        sb.append("\n    partition: ").append(net.describePartition()).append("; in flight: ").append(net.size());
        return new SimFailure(sc, step, invariant, sb.toString(), trace.lines(), cause);
    }

    private Action chooseAction() {
        double total = 0;
        double[] w = new double[weights.length];
        for (Action a : Action.values()) {
            double x = weights[a.ordinal()];
            boolean possible = switch (a) {
                case DELIVER -> net.hasDue(step);
                case PERSIST -> anyNode(n -> n.pending != null);
                case APPLY -> anyNode(n -> !n.applyQueue.isEmpty());
                case RESTART -> anyNode(n -> !n.up() && !n.retired);
                case HEAL -> net.partitioned();
                default -> true;
            };
            w[a.ordinal()] = possible ? x : 0;
            total += w[a.ordinal()];
        }
        double pick = rng.nextDouble() * total;
        for (Action a : Action.values()) {
            pick -= w[a.ordinal()];
            if (pick < 0) {
                return a;
            }
        }
        return Action.TICK_ALL;
    }

    private void act(Action a) {
        switch (a) {
            case DELIVER -> {
                // A burst of about a third of the due messages, each picked at random: latency stays well
                // under a tick (as on a real network) while order is still scrambled.
                int burst = 1 + net.countDue(step) / 3;
                for (int i = 0; i < burst; i++) {
                    Network.Envelope env = net.takeRandomDue(rng, step);
                    if (env == null) {
                        break;
                    }
                    deliver(env);
                    afterAction();
                }
            }
            case TICK_ALL -> tickAll();
            case TICK_ONE -> {
                SimNode n = randomNode(SimNode::up);
                if (n != null) {
                    clockCommit(n);
                    n.raw.tick();
                    stats.ticks++;
                    touch(n);
                }
            }
            case PROPOSE -> propose();
            case READ -> read();
            case PERSIST -> {
                SimNode n = randomNode(x -> x.pending != null);
                trace.add(step, n.id, "persisted", null);
                complete(n);
                touch(n);
            }
            case APPLY -> {
                // The apply thread catches up with part of what it was handed: a crash before the rest
                // leaves the durable state machine in the middle of a batch.
                SimNode n = randomNode(x -> !x.applyQueue.isEmpty());
                int count = 1 + rng.nextInt(n.applyQueue.size());
                trace.add(step, n.id, "apply", count + " of " + n.applyQueue.size());
                applyHanded(n, count);
            }
            case WIPE -> nemesis.wipe();
            case CAMPAIGN -> {
                SimNode n = randomNode(SimNode::up);
                if (n != null) {
                    trace.add(step, n.id, "campaign", null);
                    n.raw.campaign();
                    touch(n);
                }
            }
            case CRASH -> nemesis.crash();
            case RESTART -> restart(randomNode(n -> !n.up() && !n.retired));
            case PARTITION -> nemesis.partition();
            case HEAL -> {
                net.heal();
                trace.add(step, 0, "heal", null);
            }
            case CONF_CHANGE -> nemesis.confChange();
            case TRANSFER -> nemesis.transfer();
            case SNAPSHOT -> nemesis.snapshot();
        }
    }

    /** Reports now due to senders, removed members shut down, then any reactive fault. */
    void afterAction() {
        nemesis.applyReactiveFault();
        while (deliverDueReport() || retireOne()) {
            // until nothing is due
        }
    }

    private boolean deliverDueReport() {
        for (int i = 0; i < reports.size(); i++) {
            Report r = reports.get(i);
            if (r.dueStep > step && !quiet) {
                continue;
            }
            reports.remove(i);
            SimNode s = nodes.get(r.sender);
            if (s == null || !s.up() || s.incarnation != r.senderIncarnation) {
                return true;
            }
            if (r.kind == Report.UNREACHABLE) {
                s.raw.reportUnreachable(r.peer);
            } else {
                s.raw.reportSnapshot(r.peer, r.kind == Report.SNAPSHOT_OK);
            }
            trace.add(step, s.id, "report", (r.kind == Report.UNREACHABLE ? "unreachable " : r.kind == 0
                    ? "snapshot ok " : "snapshot failed ") + r.peer);
            touch(s);
            return true;
        }
        return false;
    }

    /**
     * Shuts down a removed member once no other node's configuration still counts it: the operator stops
     * it after the cluster moved on. (The server keeps a removed node's Raft loop running until then, and
     * only peers that applied the removal refuse it; shutting it down at the first apply anywhere could
     * leave a lagging member, still in the old or joint configuration, without the vote it needs.)
     */
    private boolean retireOne() {
        for (int i = 0; i < toRetire.size(); i++) {
            SimNode n = toRetire.get(i);
            if (n.retired || nobodyCounts(n)) {
                toRetire.remove(i);
                if (!n.retired) {
                    trace.add(step, n.id, "retire", "removed from the configuration");
                    n.retired = true;
                    crash(n);
                }
                return true;
            }
        }
        return false;
    }

    private boolean nobodyCounts(SimNode removed) {
        for (SimNode m : nodes.values()) {
            if (m != removed && !m.retired && !toRetire.contains(m) && configOf(m).allMembers().contains(removed.id)) {
                return false;
            }
        }
        return true;
    }

    /** The configuration a node acts on: its core's, or, while down, the one it will restart with. */
    ConfState configOf(SimNode n) {
        if (n.up()) {
            return n.raw.status().config();
        }
        Snapshot snap = n.storage.snapshot();
        return snap.index() > n.sm.applied ? snap.metadata().confState() : n.sm.conf;
    }

    private void report(Network.Envelope env, int kind, boolean delayed) {
        long due = step + (delayed && !quiet ? rng.nextInt(sc.maxDelaySteps()) : 0);
        reports.add(new Report(env.msg().from(), env.senderIncarnation(), env.msg().to(), kind, due));
    }

    // ---- driving one node -------------------------------------------------------------------------

    /** Follows the Ready contract until the node has nothing to do or waits for an asynchronous persist. */
    void touch(SimNode n) {
        for (int i = 0; n.up(); i++) {
            observe(n);
            if (n.pending != null || i >= 64 || !n.raw.hasReady()) {
                break;
            }
            Ready rd = n.raw.ready();
            trace.add(step, n.id, "ready", rd);
            for (Message m : rd.messages()) {
                send(n, m);
            }
            for (ReadState rs : rd.readStates()) {
                checker.onReadState(n, rs);
            }
            if (n.completenessDue && n.completenessReady == null) {
                n.completenessReady = rd;
            }
            checkMustSync(n, rd);
            n.pending = rd;
            if (sendEarly(n, rd)) {
                return;
            }
            if (!quiet && rng.nextDouble() < sc.asyncPersistRate()) {
                stats.asyncPersists++;
                break;
            }
            complete(n);
        }
    }

    /**
     * A buggy driver (negative control) sends some persisted messages before persisting; half the time
     * it then crashes before the persist completes. Returns whether it crashed.
     */
    private boolean sendEarly(SimNode n, Ready rd) {
        boolean sent = false;
        for (Message m : rd.persistedMessages()) {
            if (sc.control() != null && sc.control().sendsBeforePersist(m)) {
                send(n, m);
                sent = true;
            }
        }
        if (sent && !quiet && rng.nextBoolean()) {
            trace.add(step, n.id, "CRASH", "before persisting what it already sent: " + Trace.describe(rd));
            stats.crashes++;
            crash(n);
            return true;
        }
        return false;
    }

    private void observe(SimNode n) {
        Status st = n.raw.status();
        long commit = st.hardState().commit();
        if (checker.observe(n, st)) {
            trace.add(step, n.id, "LEADER", "term " + n.term);
            if (n.id == transferTarget && n.term > transferTerm) {
                stats.transfersCompleted++;
                transferTarget = 0;
            }
            if (!quiet) {
                nemesis.strikeAfterEvent(n, true);
            }
        } else if (commit > n.lastCommit && n.isLeader() && !quiet) {
            nemesis.strikeAfterEvent(n, false);
        }
        n.lastCommit = commit;
    }

    /** A Ready that carries entries, a snapshot or a new term or vote must be persisted durably. */
    private static void checkMustSync(SimNode n, Ready rd) {
        HardState disk = n.storage.hardState();
        boolean voteOrTerm = rd.hardState().map(h -> h.term() != disk.term() || h.vote() != disk.vote()).orElse(false);
        if (!rd.mustSync() && (voteOrTerm || !rd.entries().isEmpty() || rd.snapshot().isPresent())) {
            throw new InvariantViolation("ready-contract", "n" + n.id + " may skip the sync of " + Trace.describe(rd)
                    + " although it changes the log, term or vote (disk: " + disk + ")");
        }
    }

    /**
     * Persists the outstanding Ready, sends what had to wait for it, hands the committed entries to the
     * apply thread and advances, as the server does; the apply thread may lag (see {@link Action#APPLY}).
     */
    void complete(SimNode n) {
        Ready rd = n.pending;
        if (rd.snapshot().isPresent() && installSnapshot(n, rd.snapshot().get())) {
            return;
        }
        try {
            n.storage.append(rd.entries());
        } catch (IllegalStateException e) {
            throw new InvariantViolation("ready-contract", "n" + n.id + " cannot persist " + Trace.describe(rd)
                    + ": " + e.getMessage());
        }
        rd.hardState().ifPresent(n.storage::setHardState);
        if (rd.mustSync()) {
            n.syncedHardState = n.storage.hardState();
        }
        checker.onPersisted(n, rd);
        for (Message m : rd.persistedMessages()) {
            if (sc.control() == null || !sc.control().sendsBeforePersist(m)) {
                send(n, m);
            }
        }
        for (Entry e : rd.committedEntries()) {
            handOver(n, e);
        }
        if (n.completenessReady == rd) {
            checker.checkLeaderLog(n);
        }
        n.pending = null;
        n.raw.advance(rd);
        if (quiet || rng.nextDouble() >= sc.asyncApplyRate()) {
            applyHanded(n, n.applyQueue.size());
        } else {
            stats.appliesDeferred++;
        }
    }

    /**
     * Installs a snapshot as the server's store does: the apply thread drains first, then state and log
     * are replaced crash-atomically (old or new, never a mix) before the Ready's entries and hard state are
     * written. Sometimes the node crashes right there, between the two; returns whether it did.
     */
    private boolean installSnapshot(SimNode n, Snapshot s) {
        applyHanded(n, n.applyQueue.size());
        if (s.index() <= n.sm.applied) {
            throw new InvariantViolation("snapshot-regression", "n" + n.id + " handed " + s + " but applied "
                    + n.sm.applied);
        }
        n.storage.applySnapshot(s);
        n.sm = StateMachine.restore(s);
        checker.onSnapshotRestored(n, s);
        stats.snapshotsInstalled++;
        if (quiet || rng.nextDouble() >= sc.installCrashRate()) {
            return false;
        }
        trace.add(step, n.id, "CRASH", "in the middle of installing " + s + ": its Ready's entries and hard state are lost");
        stats.crashes++;
        stats.installCrashes++;
        crash(n);
        return true;
    }

    /** The raft thread's part of a committed entry: membership changes take effect now, data waits for apply. */
    private void handOver(SimNode n, Entry e) {
        ConfState cs = null;
        if (e.type() == EntryType.CONF_CHANGE) {
            ConfChange cc = ConfChange.decode(e.data());
            cs = n.raw.applyConfChange(cc);
            trace.add(step, n.id, "conf", e.index() + ": " + cc.changes() + " -> " + cs);
            if (checker.onConfApplied(n, e.index(), cs)) {
                stats.confChangesApplied++;
                if (cs.isJoint()) {
                    stats.jointConfigs++;
                }
                nemesis.onNewConfig(cs);
            }
        }
        n.applyQueue.addLast(new SimNode.Handed(e, cs));
    }

    /** The apply thread applies the first {@code count} handed entries (durably) and serves the reads they allow. */
    void applyHanded(SimNode n, int count) {
        for (int i = 0; i < count && !n.applyQueue.isEmpty(); i++) {
            SimNode.Handed h = n.applyQueue.pollFirst();
            if (checker.apply(n, h.entry(), h.conf())) {
                stats.entriesCommitted++;
                if (h.entry().type() == EntryType.NORMAL && h.entry().data().length > 0) {
                    stats.writesCommitted++;
                }
            }
        }
        checker.serveReads(n);
    }

    void crash(SimNode n) {
        HardState hs = n.storage.hardState();
        if (!n.retired && !hs.equals(n.syncedHardState) && rng.nextBoolean()) {
            // A hard state written without sync (mustSync was false) may not survive the crash.
            trace.add(step, n.id, "unsynced", "lost " + hs + ", disk has " + n.syncedHardState);
            n.storage.setHardState(n.syncedHardState);
            stats.unsyncedLost++;
        }
        n.crash();
    }

    void restart(SimNode n) {
        n.start(rng, sc.control());
        stats.restarts++;
        trace.add(step, n.id, "restart", n.toString()); // formatted now: the node keeps changing
        touch(n);
    }

    /** A member back with an empty disk under its old id, whose peers refuse it (as the server's do). */
    boolean refusedByPeers(SimNode n) {
        return n.wiped && sc.control() != Control.EMPTY_DISK_RETURN_ACCEPTED;
    }

    long newDiskId() {
        return ++diskSeq;
    }

    /** A node joins with this disk: the incarnation its peers will expect. */
    void register(SimNode n) {
        memberDisk.put(n.id, n.diskId);
    }

    // ---- network --------------------------------------------------------------------------------

    private void send(SimNode from, Message m) {
        if (m.from() != from.id) {
            throw new InvariantViolation("message-sender", "n" + from.id + " emitted " + m);
        }
        boolean isSnapshot = m instanceof Message.InstallSnapshot;
        if (isSnapshot) {
            stats.snapshotsSent++;
        }
        if (!quiet && rng.nextDouble() < sc.dropRate()) {
            stats.dropped++;
            trace.add(step, from.id, "drop", m);
            if (isSnapshot) {
                reports.add(new Report(from.id, from.incarnation, m.to(), Report.SNAPSHOT_FAILED,
                        step + rng.nextInt(sc.maxDelaySteps())));
            }
            return;
        }
        boolean delayed = !quiet && rng.nextDouble() < sc.delayRate();
        long delay = delayed ? 1 + rng.nextInt(sc.maxDelaySteps()) : 0;
        if (delayed && rng.nextDouble() < sc.longDelayShare()) {
            // The long tail: a message stuck in a buffer arrives after leadership moved on, carrying the
            // same term (stale acknowledgements are what a read-round bug would trust).
            delay += sc.maxDelaySteps() + rng.nextInt(10 * sc.maxDelaySteps());
            stats.longDelays++;
        }
        net.enqueue(m, step + delay, isSnapshot, from.incarnation, from.diskId);
        if (!quiet && rng.nextDouble() < sc.dupRate()) {
            stats.duplicated++;
            net.enqueue(m, step + rng.nextInt(sc.maxDelaySteps()), false, from.incarnation, from.diskId);
        }
        Network.Envelope lost = net.overflow();
        if (lost != null) {
            lose(lost, false);
        }
    }

    void deliver(Network.Envelope env) {
        Message m = env.msg();
        SimNode to = nodes.get(m.to());
        if (to == null || !to.up() || net.isBlocked(m.from(), m.to())) {
            lose(env, to != null);
            return;
        }
        if (refuses(to, m.from(), env.senderDisk())) {
            stats.refused++;
            trace.add(step, to.id, "refused", m); // a changed disk
            lose(env, false);
            return;
        }
        if (env.reports() && !quiet && rng.nextInt(10) == 0) {
            // The image arrived but the message never reached the core (a full inbox): the transfer
            // still reports success, and the leader must cope.
            trace.add(step, to.id, "lost", m); // after the transfer, before the core
            report(env, Report.SNAPSHOT_OK, true);
            return;
        }
        stats.delivered++;
        trace.add(step, to.id, "recv", m);
        to.raw.step(m);
        if (env.reports()) {
            report(env, Report.SNAPSHOT_OK, true);
        }
        touch(to);
    }

    /**
     * Peers refuse messages from a member whose data-directory incarnation changed (back with an empty
     * disk under its old id), as the server will. Every peer knows each member's incarnation, as if it
     * were replicated with the membership records: recording it on first contact is not enough (a peer
     * that never heard from the member before the wipe would take the new disk for the member and count
     * its vote; seed 30 of the 5-node sweep showed a committed entry lost that way). The
     * EMPTY_DISK_RETURN_ACCEPTED control turns the refusal off.
     */
    private boolean refuses(SimNode to, long from, long senderDisk) {
        Long registered = memberDisk.get(from);
        return registered != null && registered != senderDisk && sc.control() != Control.EMPTY_DISK_RETURN_ACCEPTED;
    }

    /** A message lost in the network; the transport tells the sender about snapshots and, sometimes, dead links. */
    private void lose(Network.Envelope env, boolean detectable) {
        Message m = env.msg();
        stats.dropped++;
        trace.add(step, m.to(), "lost", m);
        if (env.reports()) {
            report(env, Report.SNAPSHOT_FAILED, true);
        } else if (detectable && rng.nextInt(4) == 0) {
            report(env, Report.UNREACHABLE, false);
        }
    }

    // ---- clients and clocks ---------------------------------------------------------------------

    void tickAll() {
        stats.ticks++;
        for (SimNode n : new ArrayList<>(nodes.values())) {
            if (n.up()) {
                clockCommit(n);
                n.raw.tick();
                touch(n);
            }
        }
    }

    /** The server's commit delay, which is shorter than a tick: a deferred commit index goes out by now. */
    private void clockCommit(SimNode n) {
        if (sc.deferCommit() && n.raw.commitToSend()) {
            n.raw.sendCommit();
        }
    }

    /** A client talks to a node it believes leads (possibly a deposed one), else to any live node. */
    private SimNode clientTarget() {
        SimNode n = rng.nextInt(10) < 7 ? randomNode(SimNode::isLeader) : null;
        return n != null ? n : randomNode(SimNode::up);
    }

    private void propose() {
        SimNode n = clientTarget();
        if (n == null) {
            return;
        }
        int count = rng.nextInt(10) < 8 ? 1 : 2 + rng.nextInt(4);
        for (int i = 0; i < count; i++) {
            byte[] data = newWrite();
            ProposeResult r = n.raw.propose(data);
            if (r instanceof ProposeResult.Dropped d && d.reason() == ProposeResult.Reason.NOT_LEADER
                    && nodes.containsKey(d.leaderHint()) && nodes.get(d.leaderHint()).up() && d.leaderHint() != n.id) {
                touch(n); // the client follows the redirect
                n = nodes.get(d.leaderHint());
                r = n.raw.propose(data);
            }
            trace.add(step, n.id, "propose", StateMachine.writeId(data) + " " + data.length + "B -> " + r);
            if (r instanceof ProposeResult.Appended) {
                stats.proposed++;
            } else {
                stats.proposalsDropped++;
            }
        }
        touch(n);
    }

    byte[] newWrite() {
        long id = ++writeSeq;
        int r = rng.nextInt(100);
        int pad = r < 70 ? rng.nextInt(64) : r < 96 ? 64 + rng.nextInt(400) : (int) sc.maxSizePerMsg() + rng.nextInt(512);
        byte[] d = new byte[8 + pad];
        ByteBuffer.wrap(d).putLong(id);
        return d;
    }

    private void read() {
        SimNode n = clientTarget();
        if (n == null) {
            return;
        }
        long ctx = ++readSeq;
        boolean accepted = n.raw.readIndex(ctx);
        trace.add(step, n.id, "read", ctx + (accepted ? " issued, floor " + checker.appliedAnywhere() : " not accepted"));
        if (accepted) {
            checker.onReadIssued(n, ctx, step);
            stats.readsIssued++;
        }
        touch(n);
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** The live node that believes it leads in the highest term, or null. */
    SimNode leader() {
        SimNode best = null;
        for (SimNode n : nodes.values()) {
            if (n.isLeader() && (best == null || n.term > best.term)) {
                best = n;
            }
        }
        return best;
    }

    boolean anyNode(java.util.function.Predicate<SimNode> p) {
        for (SimNode n : nodes.values()) {
            if (p.test(n)) {
                return true;
            }
        }
        return false;
    }

    SimNode randomNode(java.util.function.Predicate<SimNode> p) {
        List<SimNode> c = new ArrayList<>();
        for (SimNode n : nodes.values()) {
            if (p.test(n)) {
                c.add(n);
            }
        }
        return c.isEmpty() ? null : c.get(rng.nextInt(c.size()));
    }
}
