package io.raftkv.raft;

/**
 * The leader's view of one peer's log (thesis §3.5 nextIndex/matchIndex, plus etcd's flow-control
 * states). PROBE keeps one small AppendEntries in flight until the logs agree; REPLICATE pipelines
 * within the inflight window (count and bytes); SNAPSHOT waits until an InstallSnapshot has been applied.
 * A heartbeat answer may resend to a paused peer only once nothing went to it for a heartbeat interval
 * ({@link #lastAppendTick}), so answers to extra heartbeat rounds (reads) never multiply appends.
 */
final class Progress {
    long match;
    long next;
    Status.ProgressState state = Status.ProgressState.PROBE;
    /** Index of the snapshot being sent while in SNAPSHOT state. */
    long pendingSnapshot;
    /** Heard from since the last check-quorum round (and eligible for snapshots). */
    boolean recentActive;
    /** In PROBE: a probe is outstanding, send nothing more until it is answered or a heartbeat returns. */
    boolean probeSent;
    /**
     * The highest commit index this peer can have learned from what was sent to it (an AppendEntries
     * teaches at most its last index, a heartbeat at most the match): whether a commit-only message
     * would tell it anything ({@link #canBumpCommit}).
     */
    long sentCommit;
    /** The leader's tick at which the last AppendEntries (or a reported snapshot) went to this peer. */
    long lastAppendTick = Long.MIN_VALUE / 2;
    boolean isLearner;
    final Inflights inflights;

    Progress(long next, int maxInflight, long maxInflightBytes, boolean isLearner) {
        this.next = next;
        this.inflights = new Inflights(maxInflight, maxInflightBytes);
        this.isLearner = isLearner;
        this.recentActive = true;
    }

    private void resetState(Status.ProgressState newState) {
        state = newState;
        probeSent = false;
        pendingSnapshot = 0;
        inflights.reset();
    }

    void becomeProbe() {
        if (state == Status.ProgressState.SNAPSHOT) {
            // The follower may already have the snapshot; resume after it, not from an older match.
            long ps = pendingSnapshot;
            resetState(Status.ProgressState.PROBE);
            next = Math.max(match + 1, ps + 1);
        } else {
            resetState(Status.ProgressState.PROBE);
            next = match + 1;
        }
    }

    void becomeReplicate() {
        resetState(Status.ProgressState.REPLICATE);
        next = match + 1;
    }

    void becomeSnapshot(long snapshotIndex) {
        resetState(Status.ProgressState.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
    }

    /** Records that an AppendEntries carrying {@code entries} entries ({@code bytes}) was sent at next. */
    void sentEntries(int entries, long bytes, long now) {
        lastAppendTick = now;
        switch (state) {
            case REPLICATE -> {
                if (entries > 0) {
                    long last = next + entries - 1;
                    next = last + 1;
                    inflights.add(last, bytes);
                }
            }
            case PROBE -> probeSent = true;
            case SNAPSHOT -> throw new IllegalStateException("sending entries to a peer in SNAPSHOT state");
        }
    }

    /** An acknowledgement up to {@code n}; returns whether match moved. */
    boolean maybeUpdate(long n) {
        boolean updated = false;
        if (match < n) {
            match = n;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, n + 1);
        return updated;
    }

    /**
     * A rejection of the AppendEntries whose prevIndex was {@code rejected}; {@code matchHint} is the
     * highest index at which the logs may agree. Returns false if nothing is to be sent now.
     */
    boolean maybeDecrTo(long rejected, long matchHint) {
        if (rejected <= match) {
            // Stale: an answer to an older message, overtaken by an acknowledgement. Or the follower
            // lost entries it had acknowledged (a disk or driver that lied; issue 12): then probing at
            // once would bounce the same message at network speed forever. Either way the heartbeat
            // rule resends, once per interval.
            return false;
        }
        if (state == Status.ProgressState.REPLICATE) {
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
        probeSent = false;
        return true;
    }

    /** Records that a message telling this peer it may commit up to {@code commit} went to it. */
    void sentCommit(long commit) {
        sentCommit = Math.max(sentCommit, commit);
    }

    /**
     * Whether an empty AppendEntries now would raise this peer's commit index towards {@code committed}:
     * it is not paused and was not yet told a commit index as high as it can use (the entries sent so far).
     */
    boolean canBumpCommit(long committed) {
        return !isPaused() && sentCommit < Math.min(committed, next - 1);
    }

    /** Whether a heartbeat answer at {@code now} may unblock this peer: nothing went to it for an interval. */
    boolean quietFor(long now, int interval) {
        return now - lastAppendTick >= interval;
    }

    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.full();
            case SNAPSHOT -> true;
        };
    }

    Status.PeerProgress view() {
        return new Status.PeerProgress(match, next, state, recentActive, isLearner, inflights.count());
    }

    @Override
    public String toString() {
        return state + " match=" + match + " next=" + next + (isLearner ? " learner" : "")
                + (state == Status.ProgressState.SNAPSHOT ? " pendingSnap=" + pendingSnapshot : "")
                + " inflight=" + inflights.count();
    }
}
