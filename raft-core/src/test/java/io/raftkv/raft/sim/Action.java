package io.raftkv.raft.sim;

/** One simulator step does exactly one of these. */
enum Action {
    /** Deliver one in-flight message (chosen at random among those due: reordering). */
    DELIVER,
    /** Tick every live node once. */
    TICK_ALL,
    /** Tick one node: clocks drift apart, which is what real timers do. */
    TICK_ONE,
    /** A client proposes one or a few writes. */
    PROPOSE,
    /** A client asks for a linearizable read point (ReadIndex). */
    READ,
    /** Finish a node's outstanding (asynchronous) persist of its Ready. */
    PERSIST,
    /** A node's apply thread applies part of the committed entries it was handed. */
    APPLY,
    CRASH,
    RESTART,
    PARTITION,
    HEAL,
    CONF_CHANGE,
    TRANSFER,
    /** A node snapshots its state machine and compacts its log. */
    SNAPSHOT,
    /** A node's election timer fires early. */
    CAMPAIGN,
    /** A member returns with an empty disk under its old id (its data directory was lost). */
    WIPE
}
