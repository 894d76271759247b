package io.raftkv.raft;

/**
 * Static configuration of one node's core. Times are in ticks; the driver decides how long a tick is.
 *
 * @param id                       this node's id (positive)
 * @param electionTick             a follower campaigns after between electionTick and 2*electionTick-1
 *                                 ticks without hearing from a leader
 * @param heartbeatTick            the leader sends heartbeats every heartbeatTick ticks
 * @param applied                  the last index the application has applied (on restart)
 * @param maxSizePerMsg            byte cap per AppendEntries (at least one entry is always sent)
 * @param maxInflightMsgs          AppendEntries a leader pipelines to one follower before waiting
 * @param maxInflightBytes         bytes a leader pipelines to one follower before waiting (0: no cap)
 * @param maxUncommittedEntriesSize bytes of uncommitted proposals the leader accepts (0: no cap)
 * @param maxCommittedSizePerReady bytes of committed entries handed out per Ready
 * @param checkQuorum              a leader steps down when it has not heard from a quorum for an election
 *                                 timeout; followers ignore votes while they have a live leader
 * @param preVote                  campaign first without raising the term (thesis §9.6)
 * @param deferCommit              a leader whose commit index moves does not send commit-only
 *                                 AppendEntries at once: the index rides the next AppendEntries or
 *                                 heartbeat, or leaves when the driver calls {@link RawNode#sendCommit}
 *                                 (see {@link RawNode#commitToSend}). While the configuration is in
 *                                 flux (a change uncommitted, committing now, or not yet told to every
 *                                 follower) commits still go out at once. Off: etcd's behaviour, one
 *                                 message round to every follower per commit.
 *
 * <p>Reads are always confirmed by a ReadIndex heartbeat round; there is deliberately no lease mode
 * (see docs/architecture.md, "Why no lease reads").
 */
public record RaftConfig(
        long id,
        int electionTick,
        int heartbeatTick,
        long applied,
        long maxSizePerMsg,
        int maxInflightMsgs,
        long maxInflightBytes,
        long maxUncommittedEntriesSize,
        long maxCommittedSizePerReady,
        boolean checkQuorum,
        boolean preVote,
        boolean deferCommit) {

    public RaftConfig {
        if (id <= 0) {
            throw new IllegalArgumentException("node id must be positive, got " + id);
        }
        if (heartbeatTick <= 0) {
            throw new IllegalArgumentException("heartbeatTick must be positive, got " + heartbeatTick);
        }
        if (electionTick <= heartbeatTick) {
            throw new IllegalArgumentException("electionTick (" + electionTick + ") must exceed heartbeatTick ("
                    + heartbeatTick + ")");
        }
        if (maxInflightMsgs <= 0) {
            throw new IllegalArgumentException("maxInflightMsgs must be positive, got " + maxInflightMsgs);
        }
        if (maxSizePerMsg <= 0 || maxCommittedSizePerReady <= 0) {
            throw new IllegalArgumentException("message and ready size caps must be positive");
        }
        if (maxInflightBytes < 0 || maxUncommittedEntriesSize < 0 || applied < 0) {
            throw new IllegalArgumentException("negative limit in " + this);
        }
    }

    /** Defaults suited to a 100 ms tick: 1 s election timeout, 100 ms heartbeats, 1 MiB messages. */
    public static RaftConfig defaults(long id) {
        return new RaftConfig(id, 10, 1, 0, 1 << 20, 256, 32L << 20, 64L << 20, 16L << 20,
                true, true, false);
    }

    public RaftConfig withApplied(long newApplied) {
        return new RaftConfig(id, electionTick, heartbeatTick, newApplied, maxSizePerMsg, maxInflightMsgs,
                maxInflightBytes, maxUncommittedEntriesSize, maxCommittedSizePerReady, checkQuorum, preVote, deferCommit);
    }

    public RaftConfig withElection(int newElectionTick, int newHeartbeatTick) {
        return new RaftConfig(id, newElectionTick, newHeartbeatTick, applied, maxSizePerMsg, maxInflightMsgs,
                maxInflightBytes, maxUncommittedEntriesSize, maxCommittedSizePerReady, checkQuorum, preVote, deferCommit);
    }

    public RaftConfig withFlowControl(long newMaxSizePerMsg, int newMaxInflightMsgs, long newMaxInflightBytes) {
        return new RaftConfig(id, electionTick, heartbeatTick, applied, newMaxSizePerMsg, newMaxInflightMsgs,
                newMaxInflightBytes, maxUncommittedEntriesSize, maxCommittedSizePerReady, checkQuorum, preVote, deferCommit);
    }

    public RaftConfig withFeatures(boolean newCheckQuorum, boolean newPreVote) {
        return new RaftConfig(id, electionTick, heartbeatTick, applied, maxSizePerMsg, maxInflightMsgs,
                maxInflightBytes, maxUncommittedEntriesSize, maxCommittedSizePerReady, newCheckQuorum, newPreVote, deferCommit);
    }

    public RaftConfig withDeferCommit(boolean newDeferCommit) {
        return new RaftConfig(id, electionTick, heartbeatTick, applied, maxSizePerMsg, maxInflightMsgs,
                maxInflightBytes, maxUncommittedEntriesSize, maxCommittedSizePerReady, checkQuorum, preVote,
                newDeferCommit);
    }
}
