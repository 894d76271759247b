package io.raftkv.chaos;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The faults a nemesis can inject, and the groups {@code --nemesis} accepts. */
enum FaultKind {
    ISOLATE("isolate", "partition", 2),
    ISOLATE_LEADER("isolate-leader", "partition", 2),
    HALVES("halves", "partition", 2),
    BRIDGE("bridge", "partition", 3),
    ONE_WAY("one-way", "partition", 2),
    RING("ring", "partition", 5),
    KILL("kill", "kill", 1),
    KILL_LEADER("kill-leader", "kill", 1),
    PAUSE("pause", "pause", 1),
    PAUSE_LEADER("pause-leader", "pause", 1),
    SLOW("slow", "links", 2),
    LOSSY("lossy", "links", 2),
    /** Every node in turn stopped gracefully (SIGTERM: a leader hands over first) and started again. */
    ROLLING_RESTART("rolling-restart", "restart", 2),
    /** A member removed and replaced by a new node that joins as a learner and is promoted (membership change). */
    REPLACE_MEMBER("replace-member", "membership", 3),
    /**
     * A follower isolated until it lags thousands of entries, then healed under heavy linearizable read load
     * (issue 11). Not part of {@code all}: it is a load test with its own suite, opted into by name.
     */
    RETURNING_FOLLOWER("returning-follower", "load", 3);

    final String label;
    final String group;
    /** Smallest cluster where the fault means something (a ring of 3 is fully connected). */
    final int minNodes;

    FaultKind(String label, String group, int minNodes) {
        this.label = label;
        this.group = group;
        this.minNodes = minNodes;
    }

    /** Faults that run their course inside the window instead of lasting a planned time. */
    boolean selfTimed() {
        return this == ROLLING_RESTART || this == REPLACE_MEMBER || this == RETURNING_FOLLOWER;
    }

    /** Whether {@code all} includes it: every fault but the load test, which takes a minute of its own. */
    boolean inAll() {
        return this != RETURNING_FOLLOWER;
    }

    boolean targetsLeader() {
        return this == ISOLATE_LEADER || this == KILL_LEADER || this == PAUSE_LEADER;
    }

    /**
     * Parses a comma-separated list of fault names and groups: partition, kill, pause, links (slow and
     * lossy), restart (rolling restart), membership (replace a member), all, or any single fault label.
     */
    static Set<FaultKind> parse(String spec) {
        Set<FaultKind> out = EnumSet.noneOf(FaultKind.class);
        for (String part : spec.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.isEmpty() || p.equals("none")) {
                continue;
            }
            boolean matched = false;
            for (FaultKind k : values()) {
                if ((p.equals("all") && k.inAll()) || p.equals(k.group) || p.equals(k.label)) {
                    out.add(k);
                    matched = true;
                }
            }
            if (!matched) {
                throw new IllegalArgumentException("unknown nemesis '" + p + "': use partition, kill, pause, links, restart, membership, "
                        + "load, all, or one of " + labels());
            }
        }
        return out;
    }

    static String labels() {
        StringBuilder b = new StringBuilder();
        for (FaultKind k : values()) {
            b.append(b.length() == 0 ? "" : ", ").append(k.label);
        }
        return b.toString();
    }
}
