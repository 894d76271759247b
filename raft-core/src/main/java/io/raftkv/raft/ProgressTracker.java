package io.raftkv.raft;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The membership configuration in effect plus the leader's {@link Progress} for every member, and the
 * votes of the current election. Maps are sorted so that iteration, and therefore message order, is
 * reproducible.
 */
final class ProgressTracker {
    final int maxInflight;
    final long maxInflightBytes;
    ConfState config = ConfState.EMPTY;
    TreeMap<Long, Progress> progress = new TreeMap<>();
    private final TreeMap<Long, Boolean> votes = new TreeMap<>();

    ProgressTracker(int maxInflight, long maxInflightBytes) {
        this.maxInflight = maxInflight;
        this.maxInflightBytes = maxInflightBytes;
    }

    boolean isVoter(long id) {
        return config.voters().contains(id) || config.votersOutgoing().contains(id);
    }

    /** The only voter is {@code id}: commits and reads need no round trip. */
    boolean isSingleton(long id) {
        return config.voters().size() == 1 && config.voters().contains(id) && config.votersOutgoing().isEmpty();
    }

    long committed() {
        return Quorum.jointCommittedIndex(config, id -> {
            Progress pr = progress.get(id);
            return pr == null ? 0 : pr.match;
        });
    }

    /**
     * Whether a quorum has been heard from since the last call; resets every peer's recentActive
     * (the leader itself always counts as active).
     */
    boolean quorumActive(long self) {
        TreeMap<Long, Boolean> active = new TreeMap<>();
        progress.forEach((id, pr) -> {
            if (id == self) {
                active.put(id, true);
            } else if (!pr.isLearner) {
                active.put(id, pr.recentActive);
            }
            if (id != self) {
                pr.recentActive = false;
            }
        });
        return Quorum.jointVoteResult(config, active) == Quorum.VoteResult.WON;
    }

    void resetVotes() {
        votes.clear();
    }

    void recordVote(long id, boolean granted) {
        votes.putIfAbsent(id, granted);
    }

    Quorum.VoteResult tallyVotes() {
        return Quorum.jointVoteResult(config, votes);
    }

    int grantedVotes() {
        return (int) votes.values().stream().filter(v -> v).count();
    }

    SortedMap<Long, Status.PeerProgress> views() {
        TreeMap<Long, Status.PeerProgress> out = new TreeMap<>();
        progress.forEach((id, pr) -> out.put(id, pr.view()));
        return Collections.unmodifiableSortedMap(out);
    }
}
