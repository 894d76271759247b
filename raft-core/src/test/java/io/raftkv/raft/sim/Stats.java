package io.raftkv.raft.sim;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/** Counters of one run (or, merged, of a sweep): evidence that the runs exercise what they claim to. */
final class Stats {
    long runs;
    long steps;
    long ticks;
    long delivered;
    long inFlightSum;
    long dropped;
    long duplicated;
    long longDelays;
    long elections;
    long completenessChecks;
    long proposed;
    long proposalsDropped;
    long entriesCommitted;
    long writesCommitted;
    long readsIssued;
    long readsAnswered;
    long readsServed;
    long asyncPersists;
    long appliesDeferred;
    long snapshotsTaken;
    long snapshotsInstalled;
    long snapshotsSent;
    long confChangesProposed;
    long confChangesApplied;
    long jointConfigs;
    long transfersRequested;
    long transfersCompleted;
    long crashes;
    long restarts;
    long unsyncedLost;
    long installCrashes;
    long wipes;
    long refused;
    long partitions;
    long oneWayPartitions;
    long leaderIsolations;
    long reactiveFaults;
    long livenessChecks;
    long livenessMaxTicks;

    private static final Field[] FIELDS = Stats.class.getDeclaredFields();

    void merge(Stats o) {
        try {
            for (Field f : FIELDS) {
                if (f.getType() != long.class || Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                if (f.getName().equals("livenessMaxTicks")) {
                    f.setLong(this, Math.max(f.getLong(this), f.getLong(o)));
                } else {
                    f.setLong(this, f.getLong(this) + f.getLong(o));
                }
            }
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        try {
            for (Field f : FIELDS) {
                if (f.getType() == long.class && !Modifier.isStatic(f.getModifiers())) {
                    sb.append(f.getName()).append('=').append(f.getLong(this)).append(' ');
                }
            }
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
        return sb.toString().trim();
    }

    /** One line a human can scan: the per-run averages of a merged sweep. */
    String perRun() {
        double n = Math.max(1, runs);
        return String.format("per run: elections %.1f, entries committed %.0f (writes %.0f), reads served %.1f,"
                        + " snapshots taken %.1f / installed %.1f, conf changes applied %.1f (joint %.1f),"
                        + " transfers %.1f/%.1f, crashes %.1f, partitions %.1f (one-way %.1f, leader isolated %.1f),"
                        + " delivered %.0f, dropped %.0f, duplicated %.0f, async persists %.0f, mean in flight %.1f",
                elections / n, entriesCommitted / n, writesCommitted / n, readsServed / n, snapshotsTaken / n,
                snapshotsInstalled / n, confChangesApplied / n, jointConfigs / n, transfersCompleted / n,
                transfersRequested / n, crashes / n, partitions / n, oneWayPartitions / n, leaderIsolations / n,
                delivered / n, dropped / n, duplicated / n, asyncPersists / n, inFlightSum / Math.max(1.0, steps));
    }

    /** In how many runs each feature happened at least once: averages can hide runs that test nothing. */
    static final class Coverage {
        private static final String[] NAMES = {"elections", "writesCommitted", "readsServed", "snapshotsInstalled",
            "confChangesApplied", "jointConfigs", "transfersCompleted", "crashes", "oneWayPartitions",
            "leaderIsolations", "reactiveFaults", "asyncPersists", "appliesDeferred", "installCrashes", "wipes"};
        private final long[] hits = new long[NAMES.length];
        private long runs;

        void add(Stats s) {
            runs++;
            try {
                for (int i = 0; i < NAMES.length; i++) {
                    if (Stats.class.getDeclaredField(NAMES[i]).getLong(s) > 0) {
                        hits[i]++;
                    }
                }
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("runs with at least one:");
            for (int i = 0; i < NAMES.length; i++) {
                sb.append(' ').append(NAMES[i]).append(' ').append(100 * hits[i] / Math.max(1, runs)).append('%');
            }
            return sb.toString();
        }
    }
}
