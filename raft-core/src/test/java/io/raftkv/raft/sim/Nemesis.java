package io.raftkv.raft.sim;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.ProposeResult;
import io.raftkv.raft.Status;
import java.util.ArrayList;
import java.util.List;
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
        int down = 0;
        for (SimNode n : sim.nodes.values()) {
            if (!n.up() && !n.retired) {
                down++;
            }
        }
        if (down >= (sim.sc.clusterSize() - 1) / 2) {
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

    private long isolateNext;

    /**
     * Right after {@code n} was elected (or, as leader, advanced its commit index), sometimes cut it off
     * from everyone, replacing the current partition (which may reconnect an earlier victim). Messages
     * it just sent are lost with it: a new leader's no-op, or the append that follows a commit, stays
     * local. Chains of such cuts produce the figure-8 histories of the Raft paper.
     */
    void strikeAfterEvent(SimNode n, boolean elected) {
        double p = elected ? sim.sc.reactiveOnElection() : sim.sc.reactiveOnCommit();
        if (isolateNext == 0 && rng.nextDouble() < p) {
            isolateNext = n.id;
        }
    }

    void cancelReactiveFault() {
        isolateNext = 0;
    }

    void applyReactiveFault() {
        if (isolateNext == 0) {
            return;
        }
        long victim = isolateNext;
        isolateNext = 0;
        List<Long> ids = new ArrayList<>(sim.nodes.keySet());
        sim.net.heal();
        isolate(List.of(victim), ids);
        sim.stats.reactiveFaults++;
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
        int shape = rng.nextInt(7);
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
            cc = pickChange(c);
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
        SimNode n = new SimNode(id, sim.sc.config(id), new MemoryStorage());
        sim.nodes.put(id, n);
        n.start(rng, sim.sc.bug());
        sim.trace.add(sim.step, id, "start", "new node, empty storage");
        return n;
    }

    /** Called once per configuration, when it is first applied anywhere: removed members are shut down. */
    void onNewConfig(ConfState cs) {
        for (SimNode n : sim.nodes.values()) {
            if (cs.allMembers().contains(n.id)) {
                n.everMember = true;
            } else if (n.everMember && !n.retired) {
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
        st.createSnapshot(index, n.conf, n.sm.serialize());
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
