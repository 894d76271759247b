package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import io.raftkv.raft.ProposeResult;
import java.util.ArrayList;

/**
 * Liveness after heal: the nemesis stops, the network is healed and made reliable, every member is
 * restarted, and within a bounded number of ticks a leader must exist and a fresh write must be applied
 * on every member of its configuration. A quiet round delivers everything in flight (in send order) and
 * finishes every persist before the next tick, so message latency is well under a tick.
 */
final class Liveness {
    private final Simulator sim;

    Liveness(Simulator sim) {
        this.sim = sim;
    }

    void check(String phase) {
        sim.quiet = true;
        sim.nemesis.cancelReactiveFault();
        sim.net.heal();
        for (SimNode n : sim.nodes.values()) {
            if (!n.up() && !n.retired) {
                sim.restart(n);
            }
        }
        sim.afterAction();
        // Ten election timeouts. Without pre-vote, a node with a stale log that times out first still
        // bumps everyone's term and restarts the race, so each round elects a leader only with some
        // probability (about a half with two stale nodes of five): twice the rounds keep a false alarm
        // below one in ten thousand checks.
        int bound = (sim.sc.preVote() ? 10 : 20) * sim.sc.electionTick();
        long probeIndex = 0;
        long probeTerm = 0;
        for (int t = 0; t <= bound; t++) {
            settle();
            SimNode leader = sim.leader();
            if (leader != null && probeIndex != 0) {
                Entry e = sim.checker.appliedEntry(probeIndex);
                if ((e != null && e.term() != probeTerm) || (e == null && leader.term != probeTerm)) {
                    probeIndex = 0; // overwritten, or its leader is gone: the client retries at the new one
                } else if (e != null && appliedEverywhere(leader, probeIndex)) {
                    sim.stats.livenessChecks++;
                    sim.stats.livenessMaxTicks = Math.max(sim.stats.livenessMaxTicks, t);
                    sim.trace.add(sim.step, leader.id, "live", phase + ": write at " + probeIndex
                            + " applied everywhere after " + t + " ticks");
                    sim.quiet = false;
                    return;
                }
            }
            if (leader != null && probeIndex == 0) {
                ProposeResult r = leader.raw.propose(sim.newWrite());
                if (r instanceof ProposeResult.Appended a) {
                    probeIndex = a.index();
                    probeTerm = a.term();
                }
                sim.touch(leader);
                settle();
            }
            sim.trace.add(sim.step, 0, "tick", phase + " " + t);
            sim.tickAll();
        }
        SimNode leader = sim.leader();
        throw new InvariantViolation("liveness", phase + ": " + bound + " ticks after healing everything "
                + (leader == null ? "there is no leader"
                        : "write " + probeIndex + "/" + probeTerm + " is not applied on every member of "
                                + leader.raw.status().config()));
    }

    /** Delivers everything in flight (in order) and finishes every persist until the cluster is quiet. */
    private void settle() {
        for (int round = 0; round < 64; round++) {
            boolean busy = false;
            for (SimNode n : new ArrayList<>(sim.nodes.values())) {
                if (n.pending != null) {
                    sim.complete(n);
                    sim.touch(n);
                    busy = true;
                }
                if (!n.applyQueue.isEmpty()) {
                    sim.applyHanded(n, n.applyQueue.size());
                    busy = true;
                }
            }
            sim.afterAction();
            for (Network.Envelope env : sim.net.takeAll()) {
                busy = true;
                sim.deliver(env);
            }
            sim.afterAction();
            if (!busy) {
                return;
            }
        }
    }

    private boolean appliedEverywhere(SimNode leader, long index) {
        for (long id : leader.raw.status().config().allMembers()) {
            SimNode m = sim.nodes.get(id);
            if (m != null && (m.retired || sim.refusedByPeers(m))) {
                continue; // a member back with an empty disk stays refused until an operator replaces it
            }
            if (m == null || !m.up() || m.sm.applied < index) {
                return false;
            }
        }
        return true;
    }
}
