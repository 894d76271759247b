package io.raftkv.raft.sim;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.ProposeResult;
import io.raftkv.raft.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The faults and operator actions of a run: crashes, partitions of every shape, membership changes,
 * leadership transfers and snapshots with compaction. Choices lean on the leader, because faults around
 * the leader are the ones that break incorrect implementations.
 */
final class Nemesis {
    private final Simulator sim;
    private final SplittableRandom rng;
    private final int maxNodes;

    Nemesis(Simulator sim) {
        this.sim = sim;
        this.rng = sim.rng;
        this.maxNodes = sim.sc.clusterSize() + 4;
    }

    /** Crashes a node (often the leader), keeping at most a minority of the original size down at once. */
    void crash() {
        if (!mayTakeOneDown()) {
            return;
        }
        SimNode victim = rng.nextInt(10) < 4 ? sim.leader() : null;
        if (victim == null) {
            victim = sim.randomNode(SimNode::up);
        }
        if (victim == null) {
            return;
        }
        sim.stats.crashes++;
        sim.trace.add(sim.step, victim.id, "CRASH", victim.pending == null ? null : "losing " + Trace.describe(victim.pending));
        sim.crash(victim);
    }

    /**
     * Whether one more member may go down: at most a minority of the original size is down at once,
     * counting members whose peers refuse them (back with an empty disk).
     */
    private boolean mayTakeOneDown() {
        int down = 0;
        for (SimNode n : sim.nodes.values()) {
            if ((!n.up() && !n.retired) || (sim.refusedByPeers(n) && !n.retired)) {
                down++;
            }
        }
        return down < (sim.sc.clusterSize() - 1) / 2;
    }

    /**
     * A member's data directory is lost and it comes back empty under its old id (an operator error the
     * server must survive): its peers recognise the new disk and refuse it until it is replaced.
     */
    void wipe() {
        ConfState conf = sim.checker.latestConf();
        SimNode victim = sim.randomNode(n -> conf.allMembers().contains(n.id) && !n.retired && !n.wiped);
        if (victim == null || !mayTakeOneDown() || !membershipSettled() || !healthyMajoritiesWithout(victim.id)) {
            return;
        }
        sim.stats.wipes++;
        sim.trace.add(sim.step, victim.id, "WIPE", "returns with an empty disk: " + victim);
        if (victim.up()) {
            sim.crash(victim);
        }
        victim.wipe(sim.newDiskId());
        sim.restart(victim);
    }

    /**
     * No membership change is under way: every node is in the newest configuration and no log holds a
     * change beyond it. A change in flight could otherwise, with a member lost for good, leave a lagging
     * node needing the vote of a removed one (seen: a joint change left after a wipe).
     */
    private boolean membershipSettled() {
        ConfState latest = sim.checker.latestConf();
        if (latest.isJoint()) {
            return false;
        }
        for (SimNode n : sim.nodes.values()) {
            if (n.retired) {
                continue;
            }
            if (!sim.configOf(n).equals(latest) || holdsUnappliedConfChange(n)) {
                return false;
            }
        }
        return true;
    }

    private static boolean holdsUnappliedConfChange(SimNode n) {
        List<Entry> tail = new ArrayList<>();
        long lo = Math.max(n.sm.applied + 1, n.storage.firstIndex());
        if (lo <= n.storage.lastIndex()) {
            tail.addAll(n.storage.entries(lo, n.storage.lastIndex() + 1, Long.MAX_VALUE));
        }
        if (n.pending != null) {
            tail.addAll(n.pending.entries());
        }
        for (SimNode.Handed h : n.applyQueue) {
            tail.add(h.entry());
        }
        return tail.stream().anyMatch(e -> e.type() == EntryType.CONF_CHANGE && e.index() > n.sm.applied);
    }

    /**
     * A refused member is lost for good, like a retired one: in every configuration some node may still
     * act on (a lagging node elects with its own), a majority must stay healthy without the victim.
     */
    private boolean healthyMajoritiesWithout(long victim) {
        List<ConfState> confs = new ArrayList<>(List.of(sim.checker.latestConf()));
        for (SimNode n : sim.nodes.values()) {
            if (!n.retired) {
                confs.add(sim.configOf(n));
            }
        }
        for (ConfState c : confs) {
            if (!healthyMajorityWithout(c.voters(), victim) || !healthyMajorityWithout(c.votersOutgoing(), victim)) {
                return false;
            }
        }
        return true;
    }

    private boolean healthyMajorityWithout(Set<Long> voters, long victim) {
        if (voters.isEmpty()) {
            return true;
        }
        int lost = 0;
        for (long v : voters) {
            SimNode n = sim.nodes.get(v);
            if (v == victim || n == null || n.retired || sim.refusedByPeers(n)) {
                lost++;
            }
        }
        return lost <= (voters.size() - 1) / 2;
    }

    private long isolateNext;

    /**
     * Right after {@code n} was elected (or, as leader, advanced its commit index), sometimes cut it off
     * from everyone, replacing the current partition (which may reconnect an earlier victim). Messages
     * it just sent are lost with it: a new leader's no-op, or the append that follows a commit, stays
     * local. Chains of such cuts produce the figure-8 histories of the Raft paper.
     */
    void strikeAfterEvent(SimNode n, boolean elected) {
        if (isolateNext != 0 || crashNext != 0) {
            return;
        }
        SimNode old = elected ? sim.randomNode(x -> x.isLeader() && x.term < n.term) : null;
        if (old != null && rng.nextInt(4) == 0) {
            // An old leader has not heard of the new term yet (a transfer, a partition): the moment at
            // which stale leadership is most dangerous, in every profile.
            isolateNext = n.id;
            hideFrom = old.id;
            return;
        }
        if (!elected && n.raw.status().hardState().commit() > n.storage.lastIndex() && rng.nextInt(3) == 0) {
            // The leader committed beyond what it has persisted: crash it now, the moment at which a
            // commit that counted its own unsynced write would be lost.
            crashNext = n.id;
            return;
        }
        double p = elected ? sim.sc.reactiveOnElection() : sim.sc.reactiveOnCommit();
        if (rng.nextDouble() < p) {
            isolateNext = n.id;
            hideFrom = 0;
        }
    }

    /** A leader to crash right after the current step (see {@link #strikeAfterEvent}). */
    private long crashNext;

    /** With {@link #isolateNext}: instead of isolating the new leader, hide the new term from this old one. */
    private long hideFrom;

    void cancelReactiveFault() {
        isolateNext = 0;
        crashNext = 0;
    }

    void applyReactiveFault() {
        if (crashNext != 0) {
            SimNode victim = sim.nodes.get(crashNext);
            crashNext = 0;
            if (victim.up() && victim.pending != null && mayTakeOneDown()) {
                sim.stats.crashes++;
                sim.stats.reactiveFaults++;
                sim.trace.add(sim.step, victim.id, "CRASH", "reactive, its write unpersisted: " + Trace.describe(victim.pending));
                sim.crash(victim);
            }
            return;
        }
        if (isolateNext == 0) {
            return;
        }
        long victim = isolateNext;
        isolateNext = 0;
        List<Long> ids = new ArrayList<>(sim.nodes.keySet());
        sim.net.heal();
        sim.stats.reactiveFaults++;
        if (hideFrom != 0) {
            // The old leader may receive what is in flight to it but can send nothing, and the new one
            // cannot reach it: it goes on believing it leads, while stale answers to its earlier heartbeat
            // rounds still arrive (what a read confirmed by an earlier round would trust).
            for (long o : ids) {
                sim.net.block(hideFrom, o);
            }
            sim.net.block(victim, hideFrom);
            sim.trace.add(sim.step, hideFrom, "HIDE", "reactive, new term of n" + victim + ": " + sim.net.describePartition());
            hideFrom = 0;
            return;
        }
        isolate(List.of(victim), ids);
        sim.trace.add(sim.step, victim, "ISOLATE", "reactive: " + sim.net.describePartition());
    }

    /** Replaces the current partition with a new one of a random shape. */
    void partition() {
        List<Long> ids = new ArrayList<>();
        for (SimNode n : sim.nodes.values()) {
            if (!n.retired) {
                ids.add(n.id);
            }
        }
        if (ids.size() < 2) {
            return;
        }
        SimNode leaderNode = sim.leader();
        long leader = leaderNode != null ? leaderNode.id : ids.get(rng.nextInt(ids.size()));
        Network net = sim.net;
        net.heal();
        int shape = rng.nextInt(8);
        switch (shape) {
            case 0 -> { // the leader alone
                isolate(List.of(leader), ids);
                sim.stats.leaderIsolations++;
            }
            case 1 -> { // the leader with a minority: it may keep a follower but not a quorum
                List<Long> side = new ArrayList<>(List.of(leader));
                List<Long> others = new ArrayList<>(ids);
                others.remove(leader);
                int extra = Math.max(0, (ids.size() - 1) / 2 - 1);
                for (int i = 0; i < extra && !others.isEmpty(); i++) {
                    side.add(others.remove(rng.nextInt(others.size())));
                }
                isolate(side, ids);
                sim.stats.leaderIsolations++;
            }
            case 2 -> { // a random bipartition
                List<Long> side = new ArrayList<>();
                for (long id : ids) {
                    if (rng.nextBoolean()) {
                        side.add(id);
                    }
                }
                isolate(side, ids);
            }
            case 3 -> { // the leader can receive but not send
                for (long o : ids) {
                    net.block(leader, o);
                }
                sim.stats.oneWayPartitions++;
            }
            case 4 -> { // the leader can send but not receive: only check-quorum notices
                for (long o : ids) {
                    net.block(o, leader);
                }
                sim.stats.oneWayPartitions++;
            }
            case 5 -> { // random one-way links
                for (long a : ids) {
                    for (long b : ids) {
                        if (rng.nextInt(10) < 3) {
                            net.block(a, b);
                        }
                    }
                }
                sim.stats.oneWayPartitions++;
            }
            case 7 -> { // the leader can receive but not send, and one node cannot reach it: if that node
                // wins, the old leader goes on believing it leads while stale answers still arrive
                long x = ids.get(rng.nextInt(ids.size()));
                for (long o : ids) {
                    net.block(leader, o);
                }
                net.block(x, leader);
                sim.stats.oneWayPartitions++;
            }
            default -> { // two nodes cannot talk but both reach the rest (non-transitive)
                long a = ids.get(rng.nextInt(ids.size()));
                long b = ids.get(rng.nextInt(ids.size()));
                net.block(a, b);
                net.block(b, a);
            }
        }
        sim.stats.partitions++;
        sim.trace.add(sim.step, 0, "PARTITION", "shape " + shape + ": " + net.describePartition());
    }

    private void isolate(List<Long> side, List<Long> all) {
        for (long a : side) {
            for (long b : all) {
                if (!side.contains(b)) {
                    sim.net.block(a, b);
                    sim.net.block(b, a);
                }
            }
        }
    }

    /**
     * Proposes a membership change at the leader: add or remove voters and learners, promote, demote, or
     * a joint change (left automatically or explicitly).
     */
    void confChange() {
        SimNode leader = sim.leader();
        if (leader == null) {
            return;
        }
        Status st = leader.raw.status();
        ConfState c = st.config();
        ConfChange cc;
        if (c.isJoint()) {
            if (c.autoLeave()) {
                return; // the leader leaves on its own
            }
            cc = ConfChange.leaveJoint();
        } else {
            cc = replaceRefused(c);
            cc = cc != null ? cc : pickChange(c);
        }
        if (cc == null) {
            return;
        }
        ProposeResult r = leader.raw.proposeConfChange(cc);
        sim.trace.add(sim.step, leader.id, "CONF", cc.transition() + " " + cc.changes() + " on " + c + " -> " + r);
        if (r instanceof ProposeResult.Appended) {
            sim.stats.confChangesProposed++;
        }
        sim.touch(leader);
    }

    /** The operator's remedy for a member its peers refuse (back with an empty disk): remove it first. */
    private ConfChange replaceRefused(ConfState c) {
        for (long id : c.allMembers()) {
            SimNode n = sim.nodes.get(id);
            if (n != null && sim.refusedByPeers(n)) {
                return ConfChange.removeNode(id);
            }
        }
        return null;
    }

    private ConfChange pickChange(ConfState c) {
        List<Long> voters = new ArrayList<>(c.voters());
        List<Long> learners = new ArrayList<>(c.learners());
        int minVoters = 3;
        int maxVoters = sim.sc.clusterSize() + 1;
        int r = rng.nextInt(100);
        if (r < 18) {
            SimNode j = joiner();
            return j == null ? null : ConfChange.addLearner(j.id);
        }
        if (r < 36 && voters.size() < maxVoters) {
            if (!learners.isEmpty()) {
                return ConfChange.addNode(learners.get(rng.nextInt(learners.size()))); // promote
            }
            SimNode j = joiner();
            return j == null ? null : ConfChange.addNode(j.id);
        }
        if (r < 50 && !learners.isEmpty()) {
            return ConfChange.removeNode(learners.get(rng.nextInt(learners.size())));
        }
        if (r < 66 && voters.size() > minVoters) {
            return ConfChange.removeNode(voters.get(rng.nextInt(voters.size())));
        }
        if (r < 74 && voters.size() > minVoters) {
            return ConfChange.addLearner(voters.get(rng.nextInt(voters.size()))); // demote
        }
        // Joint consensus: bring one voter in and take one out in a single change.
        long in;
        if (!learners.isEmpty() && rng.nextBoolean()) {
            in = learners.get(rng.nextInt(learners.size()));
        } else {
            SimNode j = joiner();
            if (j == null) {
                return null;
            }
            in = j.id;
        }
        long out = voters.get(rng.nextInt(voters.size()));
        ConfChange.Transition t = ConfChange.Transition.values()[rng.nextInt(3)];
        return new ConfChange(t, List.of(new ConfChange.Single(ConfChange.Type.ADD_NODE, in),
                new ConfChange.Single(ConfChange.Type.REMOVE_NODE, out)));
    }

    /** A node that is not (and never was) a member: an idle one started earlier, or a new one. */
    private SimNode joiner() {
        for (SimNode n : sim.nodes.values()) {
            if (!n.everMember && !n.retired) {
                return n;
            }
        }
        if (sim.nodes.size() >= maxNodes) {
            return null;
        }
        long id = sim.nodes.lastKey() + 1;
        SimNode n = new SimNode(id, sim.sc.config(id), new MemoryStorage(), sim.newDiskId());
        sim.nodes.put(id, n);
        sim.register(n);
        n.start(rng, sim.sc.control());
        sim.trace.add(sim.step, id, "start", "new node, empty storage");
        return n;
    }

    /** Called once per configuration, when it is first applied anywhere: removed members are shut down. */
    void onNewConfig(ConfState cs) {
        for (SimNode n : sim.nodes.values()) {
            if (cs.allMembers().contains(n.id)) {
                n.everMember = true;
            } else if (n.everMember && !n.retired && !sim.toRetire.contains(n)) {
                sim.toRetire.add(n);
            }
        }
    }

    /** Asks the leader (or, via forwarding, a follower) to hand leadership to another voter. */
    void transfer() {
        SimNode leader = sim.leader();
        if (leader == null) {
            return;
        }
        List<Long> voters = new ArrayList<>(leader.raw.status().config().voters());
        voters.remove(leader.id);
        if (voters.isEmpty()) {
            return;
        }
        long target = voters.get(rng.nextInt(voters.size()));
        SimNode via = leader;
        if (rng.nextInt(5) == 0) {
            SimNode f = sim.randomNode(n -> n.up() && !n.isLeader());
            via = f != null ? f : leader;
        }
        sim.trace.add(sim.step, via.id, "TRANSFER", "to n" + target + " (leader n" + leader.id + ")");
        via.raw.transferLeadership(target);
        sim.stats.transfersRequested++;
        sim.transferTarget = target;
        sim.transferTerm = leader.term;
        sim.touch(via);
    }

    /** Snapshots a node's applied state and compacts its log, sometimes keeping a tail for slow followers. */
    void snapshot() {
        SimNode n = sim.randomNode(x -> x.up() && x.sm.applied > x.storage.snapshot().index());
        if (n == null) {
            return;
        }
        MemoryStorage st = n.storage;
        long index = n.sm.applied;
        st.createSnapshot(index, n.sm.conf, n.sm.serialize());
        n.syncedHardState = st.hardState(); // the snapshot is written durably, and everything before it
        long keep = rng.nextBoolean() ? rng.nextInt(4) : rng.nextInt(40);
        long compactTo = index - keep;
        if (compactTo >= st.firstIndex()) {
            st.compact(compactTo);
        }
        sim.stats.snapshotsTaken++;
        sim.trace.add(sim.step, n.id, "snapshot", "at " + index + ", log now [" + st.firstIndex() + ".." + st.lastIndex() + "]");
    }
}
