package io.raftkv.raft;

import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A membership configuration as persisted in snapshots. While a joint configuration is in effect,
 * {@code votersOutgoing} is non-empty and decisions need a majority of both voter sets.
 *
 * <p>Sets are sorted so that iteration (and therefore message order) is the same on every run;
 * {@code Set.of} iterates in a per-JVM salted order and would break seed replay.
 */
public record ConfState(
        SortedSet<Long> voters,
        SortedSet<Long> learners,
        SortedSet<Long> votersOutgoing,
        SortedSet<Long> learnersNext,
        boolean autoLeave) {

    public static final ConfState EMPTY = of(java.util.List.of());

    public ConfState {
        voters = sorted(voters);
        learners = sorted(learners);
        votersOutgoing = sorted(votersOutgoing);
        learnersNext = sorted(learnersNext);
        for (Long id : learners) {
            if (voters.contains(id) || votersOutgoing.contains(id)) {
                throw new IllegalArgumentException("node " + id + " is both voter and learner in " + voters + "/" + learners);
            }
        }
    }

    /** A plain (non-joint) configuration of the given voters. */
    public static ConfState of(Collection<Long> voters) {
        return new ConfState(new TreeSet<>(voters), new TreeSet<>(), new TreeSet<>(), new TreeSet<>(), false);
    }

    public static ConfState of(Collection<Long> voters, Collection<Long> learners) {
        return new ConfState(new TreeSet<>(voters), new TreeSet<>(learners), new TreeSet<>(), new TreeSet<>(), false);
    }

    public boolean isJoint() {
        return !votersOutgoing.isEmpty();
    }

    /** Every node that receives the log: voters of both halves, learners and learners-to-be. */
    public SortedSet<Long> allMembers() {
        TreeSet<Long> all = new TreeSet<>(voters);
        all.addAll(votersOutgoing);
        all.addAll(learners);
        all.addAll(learnersNext);
        return Collections.unmodifiableSortedSet(all);
    }

    private static SortedSet<Long> sorted(Collection<Long> ids) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(ids == null ? java.util.List.of() : ids));
    }
}
