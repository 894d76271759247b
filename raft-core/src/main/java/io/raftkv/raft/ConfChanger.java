package io.raftkv.raft;

import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Membership changes as pure functions from (configuration, progress) to new values, in the manner of
 * etcd's confchange package. Invalid changes throw {@link IllegalArgumentException}; the leader dry-runs
 * every proposed change so that an invalid one is rejected at proposal time, never at apply time.
 */
final class ConfChanger {
    record Result(ConfState config, TreeMap<Long, Progress> progress) {
    }

    private final ConfState base;
    private final TreeMap<Long, Progress> baseProgress;
    private final long lastIndex;
    private final int maxInflight;
    private final long maxInflightBytes;

    ConfChanger(ConfState base, TreeMap<Long, Progress> baseProgress, long lastIndex, int maxInflight,
                long maxInflightBytes) {
        this.base = base;
        this.baseProgress = baseProgress;
        this.lastIndex = lastIndex;
        this.maxInflight = maxInflight;
        this.maxInflightBytes = maxInflightBytes;
    }

    /** Applies {@code cc} in the way its shape asks for (simple, enter joint, or leave joint). */
    Result apply(ConfChange cc) {
        if (cc.isLeaveJoint()) {
            return leaveJoint();
        }
        return cc.entersJoint() ? enterJoint(cc.autoLeave(), cc.changes()) : simple(cc.changes());
    }

    /** Enters a joint configuration: the current voters become the outgoing half (thesis §4.3). */
    Result enterJoint(boolean autoLeave, List<ConfChange.Single> changes) {
        if (base.isJoint()) {
            throw new IllegalArgumentException("configuration is already joint");
        }
        if (base.voters().isEmpty()) {
            throw new IllegalArgumentException("cannot enter a joint configuration from zero voters");
        }
        Working w = new Working(base, baseProgress);
        w.outgoing.addAll(w.incoming);
        for (ConfChange.Single c : changes) {
            w.apply(c);
        }
        return w.finish(autoLeave);
    }

    /** Leaves a joint configuration: demoted voters become learners, removed ones are forgotten. */
    Result leaveJoint() {
        if (!base.isJoint()) {
            throw new IllegalArgumentException("cannot leave a joint configuration: configuration is not joint");
        }
        Working w = new Working(base, baseProgress);
        for (long id : w.learnersNext) {
            w.learners.add(id);
            w.progress.put(id, w.withLearner(w.progress.get(id), true));
        }
        w.learnersNext.clear();
        for (long id : w.outgoing) {
            if (!w.incoming.contains(id) && !w.learners.contains(id)) {
                w.progress.remove(id);
            }
        }
        w.outgoing.clear();
        return w.finish(false);
    }

    /** A change of at most one voter, safe without joint consensus (thesis §4.1). */
    Result simple(List<ConfChange.Single> changes) {
        if (base.isJoint()) {
            throw new IllegalArgumentException("cannot apply a simple change to a joint configuration");
        }
        Working w = new Working(base, baseProgress);
        for (ConfChange.Single c : changes) {
            w.apply(c);
        }
        TreeSet<Long> diff = new TreeSet<>(w.incoming);
        diff.removeAll(base.voters());
        TreeSet<Long> removed = new TreeSet<>(base.voters());
        removed.removeAll(w.incoming);
        if (diff.size() + removed.size() > 1) {
            throw new IllegalArgumentException("more than one voter changed without joint consensus: "
                    + base.voters() + " -> " + w.incoming);
        }
        return w.finish(false);
    }

    /** The tracker state for a configuration read from storage or a snapshot. */
    static Result restore(ConfState cs, long lastIndex, int maxInflight, long maxInflightBytes) {
        TreeMap<Long, Progress> prs = new TreeMap<>();
        for (long id : cs.allMembers()) {
            prs.put(id, new Progress(lastIndex + 1, maxInflight, maxInflightBytes, cs.learners().contains(id)));
        }
        for (long id : cs.learnersNext()) {
            if (!cs.votersOutgoing().contains(id) || cs.voters().contains(id)) {
                throw new IllegalStateException("learnerNext " + id + " must be an outgoing-only voter in " + cs);
            }
        }
        if (!cs.isJoint() && (cs.autoLeave() || !cs.learnersNext().isEmpty())) {
            throw new IllegalStateException("autoLeave/learnersNext set outside a joint configuration: " + cs);
        }
        return new Result(cs, prs);
    }

    /** Mutable copies of the configuration while a change is applied. */
    private final class Working {
        final TreeSet<Long> incoming;
        final TreeSet<Long> outgoing;
        final TreeSet<Long> learners;
        final TreeSet<Long> learnersNext;
        final TreeMap<Long, Progress> progress;

        Working(ConfState cs, TreeMap<Long, Progress> prs) {
            incoming = new TreeSet<>(cs.voters());
            outgoing = new TreeSet<>(cs.votersOutgoing());
            learners = new TreeSet<>(cs.learners());
            learnersNext = new TreeSet<>(cs.learnersNext());
            // Progress objects are shared, never mutated here: a role change puts a fresh copy in the new
            // map, so a dry run (or a change that fails validation) leaves the live tracker untouched.
            progress = new TreeMap<>(prs);
        }

        void apply(ConfChange.Single c) {
            switch (c.type()) {
                case ADD_NODE -> makeVoter(c.nodeId());
                case ADD_LEARNER_NODE -> makeLearner(c.nodeId());
                case REMOVE_NODE -> remove(c.nodeId());
            }
        }

        private void makeVoter(long id) {
            Progress pr = progress.get(id);
            if (pr == null) {
                progress.put(id, newProgress(false));
            } else if (pr.isLearner) {
                progress.put(id, withLearner(pr, false));
            }
            learners.remove(id);
            learnersNext.remove(id);
            incoming.add(id);
        }

        private void makeLearner(long id) {
            Progress pr = progress.get(id);
            if (pr != null && pr.isLearner) {
                return;
            }
            incoming.remove(id);
            if (pr == null) {
                progress.put(id, newProgress(true));
            }
            if (outgoing.contains(id)) {
                // Still votes in the outgoing half: becomes a learner only when the joint config is left.
                learnersNext.add(id);
            } else {
                progress.put(id, withLearner(progress.get(id), true));
                learners.add(id);
            }
        }

        private void remove(long id) {
            if (!progress.containsKey(id)) {
                return;
            }
            incoming.remove(id);
            learners.remove(id);
            learnersNext.remove(id);
            if (!outgoing.contains(id)) {
                progress.remove(id);
            }
        }

        private Progress newProgress(boolean learner) {
            return new Progress(lastIndex + 1, maxInflight, maxInflightBytes, learner);
        }

        Progress withLearner(Progress pr, boolean learner) {
            Progress copy = new Progress(pr.next, maxInflight, maxInflightBytes, learner);
            copy.match = pr.match;
            copy.recentActive = pr.recentActive;
            // A role change restarts flow control from a probe; the inflight window is not carried over.
            copy.next = pr.match + 1;
            return copy;
        }

        Result finish(boolean autoLeave) {
            if (incoming.isEmpty()) {
                throw new IllegalArgumentException("removed all voters");
            }
            boolean joint = !outgoing.isEmpty();
            ConfState cs = new ConfState(incoming, learners, outgoing, learnersNext, joint && autoLeave);
            return new Result(cs, progress);
        }
    }
}
