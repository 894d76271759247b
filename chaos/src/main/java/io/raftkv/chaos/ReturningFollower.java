package io.raftkv.chaos;

import io.raftkv.client.RaftKvClient;
import io.raftkv.client.ReadConsistency;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The returning follower under read load (issue 11): a follower is isolated while a burst of writes puts
 * it thousands of entries behind, heavy linearizable read load starts (each read a ReadIndex round on the
 * leader), and the follower comes back. A leader that copies entries per heartbeat answer, or queues
 * without a byte bound, fills its heap here: it died of OutOfMemoryError or lost leadership in back-to-back
 * full GCs. The heal window is watched: every node's liveness, who leads in which term, the leader's
 * resident memory, and when the follower caught up. The run fails if a node exits or leadership is lost
 * in that window.
 */
final class ReturningFollower {
    /**
     * @param lagEntries   how far behind the follower must fall before it returns
     * @param readers      concurrent linearizable readers during the return
     * @param writers      writers of the burst that builds the lag
     * @param valueBytes   size of the burst's values
     * @param maxIsolation give up building the lag after this long (the window is still watched)
     * @param minWindow    the heal window lasts at least this long
     * @param maxWindow    and at most this long, or until the follower caught up plus {@code minWindow}
     */
    record Settings(long lagEntries, int readers, int writers, int valueBytes, Duration maxIsolation, Duration minWindow,
                    Duration maxWindow) {
        static final Settings DEFAULT = new Settings(4_000, 64, 16, 1024, Duration.ofSeconds(30), Duration.ofSeconds(5),
                Duration.ofSeconds(15));
    }

    /**
     * What the heal window showed. {@code leadersSeen} holds every node that claimed leadership in a sample,
     * {@code maxTerm} the highest term any node reported; {@code nodesDown} the nodes found not running.
     */
    record Observation(int follower, int leader, long term, long lagAtHeal, double healAtMillis, long windowMillis,
                       Double catchUpMillis, int samples, int samplesWithoutLeader, List<Integer> leadersSeen, long maxTerm,
                       List<Integer> nodesDown, long leaderPeakRssKiB, long leaderHighWaterKiB, long reads, long readFailures,
                       long burstWrites) {
        Observation {
            leadersSeen = List.copyOf(leadersSeen);
            nodesDown = List.copyOf(nodesDown);
        }

        boolean leadershipKept() {
            return leadersSeen.equals(List.of(leader)) && maxTerm == term;
        }

        boolean nodesStayedUp() {
            return nodesDown.isEmpty();
        }

        boolean passed() {
            return leadershipKept() && nodesStayedUp();
        }

        String describe() {
            return String.format(Locale.ROOT, "follower %d returned %d entries behind to leader %d (term %d): %s, %s; "
                            + "caught up %s; leader RSS peak %.0f MiB sampled, %.0f MiB high-water; %d reads ok, %d failed",
                    follower, lagAtHeal, leader, term, nodesStayedUp() ? "no node exited" : "nodes down " + nodesDown,
                    leadershipKept() ? "leadership kept" : "leadership LOST (leaders " + leadersSeen + ", max term " + maxTerm + ")",
                    catchUpMillis == null ? "never" : String.format(Locale.ROOT, "after %.0f ms", catchUpMillis),
                    leaderPeakRssKiB / 1024.0, leaderHighWaterKiB / 1024.0, reads, readFailures);
        }
    }

    private final Cluster cluster;
    private final Duration opTimeout;
    private final Settings settings;
    private final LongSupplier clock;

    /** @param clock the history's clock, so the window lines up with the operations in the report */
    ReturningFollower(Cluster cluster, Duration opTimeout, Settings settings, LongSupplier clock) {
        this.cluster = cluster;
        this.opTimeout = opTimeout;
        this.settings = settings;
        this.clock = clock;
    }

    /** Runs the fault against the first node of {@code order} that does not lead; heals in any case. */
    Observation run(List<Integer> order) {
        int leader = cluster.leader().orElseThrow(() -> new IllegalStateException("no leader to return a follower to"));
        int follower = order.stream().filter(n -> n != leader).findFirst().orElseThrow();
        try (RaftKvClient client = LibraryClient.build(cluster, opTimeout)) {
            cluster.partition(Grudge.isolate(cluster.nodes(), follower));
            LoadThreads burst = new LoadThreads("returning-follower-writer", settings.writers(), i -> write(client, i));
            long lag = awaitLag(follower);
            burst.stop();
            LoadThreads readers = new LoadThreads("returning-follower-reader", settings.readers(), i -> read(client, i));
            awaitReads(readers);
            Cluster.Status before = cluster.status(leader, Duration.ofSeconds(2)).orElseThrow(
                    () -> new IllegalStateException("leader " + leader + " did not answer before the heal"));
            double healAt = clock.getAsLong() / 1e6;
            cluster.heal();
            Window w = watch(before, follower);
            readers.stop();
            return new Observation(follower, leader, before.term(), lag, healAt, w.millis, w.catchUpMillis, w.samples,
                    w.withoutLeader, new ArrayList<>(w.leaders), w.maxTerm, new ArrayList<>(w.down), w.peakRss,
                    cluster.memory(leader).map(NodeMemory::peakKiB).orElse(w.peakHighWater), readers.ok(), readers.failed(),
                    burst.ok());
        } finally {
            cluster.heal();
        }
    }

    private boolean write(RaftKvClient client, int thread) {
        String value = "x".repeat(settings.valueBytes());
        client.put("rf/" + thread + "/" + (System.nanoTime() % 1000), value);
        return true;
    }

    private boolean read(RaftKvClient client, int thread) {
        client.get("rf/" + (thread % settings.writers()) + "/" + (System.nanoTime() % 1000), ReadConsistency.LINEARIZABLE);
        return true;
    }

    /** Until the leader's commit index is {@code lagEntries} past what the follower applied; the lag reached. */
    private long awaitLag(int follower) {
        long end = System.nanoTime() + settings.maxIsolation().toNanos();
        long lag = 0;
        while (System.nanoTime() - end < 0) {
            Optional<Cluster.Status> f = cluster.status(follower, Duration.ofSeconds(1));
            Optional<Cluster.Status> l = cluster.leader().flatMap(n -> cluster.status(n, Duration.ofSeconds(1)));
            if (f.isPresent() && l.isPresent()) {
                lag = l.get().commitIndex() - f.get().appliedIndex();
                if (lag >= settings.lagEntries()) {
                    return lag;
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        return lag;
    }

    /** Until every reader has been served at least once (the load is on), or five seconds passed. */
    private void awaitReads(LoadThreads readers) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long start = readers.ok();
        while (readers.ok() - start < settings.readers() && System.nanoTime() - end < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** What the samples of one heal window found. */
    private static final class Window {
        final TreeSet<Integer> leaders = new TreeSet<>();
        final TreeSet<Integer> down = new TreeSet<>();
        long maxTerm;
        int samples;
        int withoutLeader;
        long peakRss;
        long peakHighWater;
        Double catchUpMillis;
        long millis;
    }

    private Window watch(Cluster.Status before, int follower) {
        Window w = new Window();
        w.maxTerm = before.term();
        long start = System.nanoTime();
        long min = start + settings.minWindow().toNanos();
        long max = start + settings.maxWindow().toNanos();
        long caughtUpAt = Long.MAX_VALUE;
        while (System.nanoTime() - max < 0 && System.nanoTime() - Math.max(min, caughtUpAt + settings.minWindow().toNanos()) < 0) {
            sample(w, before.node());
            Optional<Cluster.Status> f = cluster.status(follower, Duration.ofMillis(300));
            if (caughtUpAt == Long.MAX_VALUE && f.isPresent() && f.get().appliedIndex() >= before.commitIndex()) {
                caughtUpAt = System.nanoTime();
                w.catchUpMillis = (caughtUpAt - start) / 1e6;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
        }
        w.millis = (System.nanoTime() - start) / 1_000_000;
        return w;
    }

    private void sample(Window w, int leader) {
        w.samples++;
        boolean leaderSeen = false;
        for (int n : cluster.nodes()) {
            if (!cluster.isRunning(n)) {
                w.down.add(n);
                continue;
            }
            Optional<Cluster.Status> s = cluster.status(n, Duration.ofMillis(300));
            if (s.isPresent()) {
                w.maxTerm = Math.max(w.maxTerm, s.get().term());
                if (s.get().isLeader()) {
                    w.leaders.add(n);
                    leaderSeen = true;
                }
            }
        }
        if (!leaderSeen) {
            w.withoutLeader++;
        }
        cluster.memory(leader).ifPresent(m -> {
            w.peakRss = Math.max(w.peakRss, m.rssKiB());
            w.peakHighWater = Math.max(w.peakHighWater, m.peakKiB());
        });
    }
}
