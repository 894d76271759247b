package io.raftkv.raft.sim;

import io.raftkv.raft.Message;
import io.raftkv.raft.TestNodes.CoreBug;

/**
 * The negative controls: one deliberate bug each, in the core (a broken rule, see
 * {@link io.raftkv.raft.TestNodes}), in the driver, or in the network's defences. A check that cannot
 * fail proves nothing: the simulator must report a safety violation for every one of them within the
 * default seeds ({@link NegativeControlTest}).
 */
enum Control {
    /** Raft figure 8: an old-term entry committed by counting replicas. */
    COMMIT_OLD_TERM_BY_COUNTING(CoreBug.COMMIT_OLD_TERM_BY_COUNTING),
    /** §5.4.1: votes granted without comparing logs. */
    VOTE_WITHOUT_LOG_CHECK(CoreBug.VOTE_WITHOUT_LOG_CHECK),
    /** §6.4: reads served without a quorum confirming leadership. */
    READ_WITHOUT_QUORUM_CHECK(CoreBug.READ_WITHOUT_QUORUM_CHECK),
    /** §6.4: a heartbeat answer from an earlier round confirms the newest read round. */
    READ_CONFIRMED_BY_EARLIER_ROUND(CoreBug.READ_CONFIRMED_BY_EARLIER_ROUND),
    /** Thesis §10.2.1: the leader counts its own unpersisted entries toward commit. */
    LEADER_COUNTS_UNPERSISTED_ENTRIES(CoreBug.LEADER_COUNTS_UNPERSISTED_ENTRIES),
    /**
     * Single-server changes: a new leader proposes a membership change before it knows the latest
     * configuration (before committing in its term and before applying the changes in its log). The
     * exception among the controls: the core's own check catches it first (a committed change that is
     * invalid against the configuration it lands on halts the node), long before a checker-visible
     * divergence. Dropping only the commit-in-term half is not observable in this core at all: changes
     * take effect when applied, and a new leader must first apply everything its log held when elected,
     * which commits its no-op unless it already knew all of it committed (docs/architecture.md).
     */
    CONF_CHANGE_BEFORE_CONFIG_KNOWN(CoreBug.CONF_CHANGE_BEFORE_CONFIG_KNOWN, false),
    /** The driver sends a vote before persisting it, and sometimes crashes before the persist. */
    VOTE_SENT_BEFORE_PERSISTED(null),
    /** The driver acknowledges appended entries before persisting them, and sometimes crashes before. */
    APPEND_ACKED_BEFORE_PERSISTED(null),
    /** Peers accept a member that returns with an empty disk under its old id (no incarnation check). */
    EMPTY_DISK_RETURN_ACCEPTED(null);

    /** The broken core rule, or null when the core is correct. */
    final CoreBug coreBug;
    /** Whether the simulator's safety checks must catch it (else the core's own assertion does). */
    final boolean safetyCatch;

    Control(CoreBug coreBug) {
        this(coreBug, true);
    }

    Control(CoreBug coreBug, boolean safetyCatch) {
        this.coreBug = coreBug;
        this.safetyCatch = safetyCatch;
    }

    /** Whether {@code f} counts as catching this control. */
    boolean caughtBy(SimFailure f) {
        return safetyCatch ? f.isSafety() : f.invariant.equals("core-halted");
    }

    /** Whether a buggy driver sends {@code m}, one of a Ready's persisted messages, before persisting. */
    boolean sendsBeforePersist(Message m) {
        return switch (this) {
            case VOTE_SENT_BEFORE_PERSISTED -> m instanceof Message.VoteResponse v && !v.reject() && !v.preVote();
            case APPEND_ACKED_BEFORE_PERSISTED -> m instanceof Message.AppendResponse a && !a.reject();
            default -> false;
        };
    }
}
