package io.raftkv.raft.sim;

import io.raftkv.raft.RaftConfig;
import java.util.SplittableRandom;

/**
 * Everything about one run that the seed decides: cluster size, core features and limits, how hostile
 * the network is, and which fault profile the nemesis follows. Deriving all of it from the seed is what
 * makes {@code -Dsim.seed=N} alone enough to replay a failure.
 *
 * @param control a deliberate bug switched on in every node or in the driver (negative controls), or null
 */
record Scenario(
        long seed,
        int steps,
        int clusterSize,
        Profile profile,
        boolean checkQuorum,
        boolean preVote,
        int electionTick,
        int heartbeatTick,
        long maxSizePerMsg,
        int maxInflightMsgs,
        long maxInflightBytes,
        long maxUncommittedSize,
        long maxCommittedSizePerReady,
        double dropRate,
        double dupRate,
        double delayRate,
        int maxDelaySteps,
        double asyncPersistRate,
        double reactiveOnElection,
        double reactiveOnCommit,
        double asyncApplyRate,
        double installCrashRate,
        double longDelayShare,
        boolean deferCommit,
        Control control) {

    /** Fault mixes; each seed gets one so that the default sweep covers all of them. */
    enum Profile {
        /** Light faults: mostly replication, reads, snapshots. */
        STEADY,
        /** Leader churn: crashes, forced campaigns and transfers (figure-8 style histories). */
        CHURN,
        /** Partitions of every shape, including one-way links and isolated leaders. */
        PARTITIONS,
        /** Membership changes (simple and joint) with snapshots and compaction. */
        MEMBERSHIP
    }

    /** A third of the runs churn leaders: the histories that break commit rules need many elections. */
    private static final Profile[] PROFILE_CYCLE = {
        Profile.CHURN, Profile.PARTITIONS, Profile.STEADY, Profile.CHURN, Profile.MEMBERSHIP, Profile.PARTITIONS
    };

    static Scenario fromSeed(long seed, int steps, Control control) {
        // Odd seeds run 3 nodes and even seeds 5, so the test can split the sweep by parity and a
        // single seed still decides the size on replay.
        int size = (seed & 1) == 1 ? 3 : 5;
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 17);
        Profile profile = PROFILE_CYCLE[Math.floorMod(seed >> 1, PROFILE_CYCLE.length)];
        boolean checkQuorum = r.nextInt(5) != 0;
        boolean preVote = r.nextInt(5) != 0;
        int electionTick = 10;
        int heartbeatTick = 1 + r.nextInt(3);
        // Small message and window caps so that batching, pipelining and flow control all engage.
        // 64 bytes means one entry per AppendEntries: an old-term entry can then be acknowledged
        // without the new leader's no-op behind it, which is what exposes figure-8 commit bugs.
        long maxSizePerMsg = profile == Profile.CHURN ? 64 : new long[] {64, 256, 1024, 4096}[r.nextInt(4)];
        int maxInflight = 2 + r.nextInt(15);
        long maxInflightBytes = r.nextBoolean() ? 0 : 4096L << r.nextInt(3);
        long maxUncommitted = r.nextInt(4) == 0 ? 8192 : 0;
        long maxCommittedPerReady = r.nextBoolean() ? 1024 : 1L << 20;
        double drop = r.nextInt(4) == 0 ? 0 : r.nextDouble() * 0.08;
        double dup = r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.05;
        double delay = r.nextDouble() * 0.3;
        int maxDelay = 5 + r.nextInt(40);
        double async = r.nextInt(4) == 0 ? 0 : r.nextDouble() * 0.6;
        // Reactive faults cut a node off right after it is elected or after it advances its commit
        // index as leader: the moments at which a new leader's no-op, or the append that follows a
        // commit, is most fragile. Churn runs use them heavily (figure-8 histories need them).
        double onElection = profile == Profile.CHURN ? 0.5 : profile == Profile.PARTITIONS ? 0.05 : 0.01;
        double onCommit = profile == Profile.CHURN ? 0.9 : profile == Profile.PARTITIONS ? 0.05 : 0.01;
        return new Scenario(seed, steps, size, profile, checkQuorum, preVote, electionTick, heartbeatTick,
                maxSizePerMsg, maxInflight, maxInflightBytes, maxUncommitted, maxCommittedPerReady,
                drop, dup, delay, maxDelay, async, onElection, onCommit,
                // Drawn last, so that adding them left every earlier choice of a seed as it was.
                r.nextInt(4) == 0 ? 0 : r.nextDouble() * 0.7, r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.3,
                r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.1,
                // Two runs in three defer commit-only messages as the server does (sent on the clock).
                r.nextInt(3) != 0, control);
    }

    RaftConfig config(long id) {
        return new RaftConfig(id, electionTick, heartbeatTick, 0, maxSizePerMsg, maxInflightMsgs,
                maxInflightBytes, maxUncommittedSize, maxCommittedSizePerReady, checkQuorum, preVote, deferCommit);
    }

    /** Relative weight of each nemesis/client action in this run's profile. */
    double[] weights() {
        double[] w = new double[Action.values().length];
        w[Action.DELIVER.ordinal()] = 55;
        w[Action.TICK_ALL.ordinal()] = 12;
        w[Action.TICK_ONE.ordinal()] = 4;
        w[Action.PROPOSE.ordinal()] = 11;
        w[Action.READ.ordinal()] = 5;
        w[Action.PERSIST.ordinal()] = 10;
        w[Action.APPLY.ordinal()] = 8;
        w[Action.CRASH.ordinal()] = 0.4;
        w[Action.RESTART.ordinal()] = 3;
        w[Action.PARTITION.ordinal()] = 0.6;
        w[Action.HEAL.ordinal()] = 1.5;
        w[Action.CONF_CHANGE.ordinal()] = 0.8;
        w[Action.TRANSFER.ordinal()] = 0.6;
        w[Action.SNAPSHOT.ordinal()] = 1.2;
        w[Action.CAMPAIGN.ordinal()] = 0.3;
        w[Action.WIPE.ordinal()] = 0.1;
        switch (profile) {
            case STEADY -> { }
            case CHURN -> {
                w[Action.CRASH.ordinal()] = 1.6;
                w[Action.CAMPAIGN.ordinal()] = 4;
                w[Action.TRANSFER.ordinal()] = 1.2;
                w[Action.PARTITION.ordinal()] = 1.2;
                w[Action.WIPE.ordinal()] = 0.3;
            }
            case PARTITIONS -> {
                w[Action.PARTITION.ordinal()] = 2.5;
                w[Action.HEAL.ordinal()] = 1.2;
                w[Action.READ.ordinal()] = 8;
            }
            case MEMBERSHIP -> {
                w[Action.CONF_CHANGE.ordinal()] = 3;
                w[Action.SNAPSHOT.ordinal()] = 2.5;
            }
        }
        return w;
    }

    String shortString() {
        return "seed=" + seed + " nodes=" + clusterSize + " profile=" + profile + " checkQuorum=" + checkQuorum
                + " preVote=" + preVote + " hb=" + heartbeatTick + " msg=" + maxSizePerMsg + " inflight="
                + maxInflightMsgs + "/" + maxInflightBytes + "B uncommittedCap=" + maxUncommittedSize
                + String.format(" drop=%.3f dup=%.3f delay=%.2f/%d async=%.2f reactive=%.2f/%.2f", dropRate, dupRate,
                        delayRate, maxDelaySteps, asyncPersistRate, reactiveOnElection, reactiveOnCommit)
                + String.format(" asyncApply=%.2f installCrash=%.2f longDelay=%.3f", asyncApplyRate, installCrashRate,
                        longDelayShare)
                + " deferCommit=" + deferCommit
                + (control == null ? "" : " control=" + control);
    }
}
