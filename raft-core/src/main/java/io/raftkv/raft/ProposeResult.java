package io.raftkv.raft;

/**
 * The outcome of a proposal. Rejection is a value, not an exception: it is an expected event whenever
 * leadership moves or the node sheds load.
 */
public sealed interface ProposeResult {

    /** Appended to the leader's log at (term, index); committed only if that entry survives there. */
    record Appended(long term, long index) implements ProposeResult {
    }

    /** Not appended; {@code leaderHint} is the leader this node knows of, 0 if none. */
    record Dropped(Reason reason, long leaderHint) implements ProposeResult {
    }

    enum Reason {
        /** This node is not the leader; retry at {@code leaderHint}. */
        NOT_LEADER,
        /** The leader is handing leadership over; retry shortly at the new leader. */
        LEADERSHIP_TRANSFER,
        /** Uncommitted proposals exceed maxUncommittedEntriesSize: shed load, back off and retry. */
        UNCOMMITTED_LIMIT,
        /** A configuration change is still pending or the leader has not committed in its term yet. */
        CONF_CHANGE_PENDING,
        /** The change would leave the configuration invalid (e.g. no voters, or joint while joint). */
        INVALID_CONF_CHANGE,
        /** This node was removed from the configuration. */
        NOT_MEMBER
    }
}
