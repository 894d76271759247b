package io.raftkv.bench.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code bench failover}: one client writes back to back while the leader is SIGKILLed, {@code kills}
 * times per client setting. Per kill: the time from the kill to the acknowledgement of the first put that
 * was sent after the kill, i.e. how long an application that writes in a loop cannot write. A put already
 * in flight at the kill does not count even if it succeeds afterwards (it may have been committed before
 * the kill, which says nothing about recovery); the wait for it is part of the gap, as it is for the
 * application. After each kill the node is restarted and allowed to catch up before the next one.
 */
final class Failover {
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(60);

    /**
     * One kill.
     *
     * @param killedNode  the leader that was killed
     * @param newLeader   who led afterwards (-1 if unknown)
     * @param gapMs       kill → first acknowledged put sent after the kill
     * @param errors      failed puts between the kill and that acknowledgement, by kind
     */
    record Kill(int killedNode, int newLeader, double gapMs, Map<String, Long> errors) {
    }

    /** All kills of one system with one client setting. */
    record Series(String system, String client, List<Kill> kills) {
        Stats.Range gapMs() {
            return Stats.range(kills.stream().map(Kill::gapMs).toList());
        }

        Map<String, Long> errors() {
            Map<String, Long> all = new TreeMap<>();
            kills.forEach(k -> k.errors().forEach((e, n) -> all.merge(e, n, Long::sum)));
            return all;
        }
    }

    private final int kills;
    private final Duration settle;
    private final int keys;
    private final int valueBytes;
    private final PrintStream log;

    Failover(int kills, Duration settle, int keys, int valueBytes, PrintStream log) {
        this.kills = kills;
        this.settle = settle;
        this.keys = keys;
        this.valueBytes = valueBytes;
        this.log = log;
    }

    /** Runs every client setting against a fresh cluster of {@code sys}. */
    List<Series> run(SystemUnderTest sys, List<Duration> deadlines, Duration startTimeout) {
        List<Series> out = new ArrayList<>();
        log.printf("%s: starting a fresh 3-node cluster%n", sys.name());
        sys.start(startTimeout);
        try {
            for (Duration deadline : deadlines) {
                Driver.Settings s = new Driver.Settings(deadline, keys, valueBytes);
                try (Driver driver = sys.connect(s)) {
                    out.add(series(sys, driver, s.label()));
                }
            }
        } finally {
            sys.close();
        }
        return out;
    }

    private Series series(SystemUnderTest sys, Driver driver, String label) {
        List<Kill> result = new ArrayList<>();
        try (PutLoop loop = PutLoop.start(driver, keys)) {
            for (int k = 1; k <= kills; k++) {
                int leader = sys.awaitLeader(RECOVERY_TIMEOUT);
                // Steady state first: a write acknowledged after the cluster settled.
                loop.awaitAck(RECOVERY_TIMEOUT);
                PutLoop.Recording recording = loop.record();
                long killedAt = sys.kill(leader);
                PutLoop.Gap gap = loop.awaitAck(recording, killedAt, RECOVERY_TIMEOUT);
                double gapMs = (gap.ack().completedAt() - killedAt) / 1e6;
                int newLeader;
                try {
                    newLeader = sys.awaitLeader(RECOVERY_TIMEOUT);
                } catch (IllegalStateException e) {
                    newLeader = -1;
                }
                Map<String, Long> errors = gap.errors();
                result.add(new Kill(leader, newLeader, gapMs, errors));
                log.printf("%s, %s, kill %d/%d: SIGKILL leader node %d -> first acknowledged put after %.0f ms (new leader"
                        + " node %d, errors %s)%n", sys.name(), label, k, kills, leader, gapMs, newLeader, errors);
                restartAndCatchUp(sys, leader);
                Poll.hold(settle);
            }
        }
        return new Series(sys.name(), label, result);
    }

    /** Restart the killed node and wait until it has applied what the leader had committed when it came back. */
    private void restartAndCatchUp(SystemUnderTest sys, int node) {
        sys.restart(node, RECOVERY_TIMEOUT);
        int leader = sys.awaitLeader(RECOVERY_TIMEOUT);
        double target;
        try {
            target = sys.counters(leader).committed();
        } catch (IOException e) {
            throw new IllegalStateException("leader node " + leader + " stopped answering: " + e.getMessage(), e);
        }
        Poll.until(RECOVERY_TIMEOUT, "catch-up of restarted node " + node, () -> {
            try {
                SystemUnderTest.Counters c = sys.counters(node);
                return c.applied() >= target && c.hasLeader() ? Poll.done(true)
                        : Poll.notYet("applied " + (long) c.applied() + " of " + (long) target);
            } catch (IOException e) {
                return Poll.notYet(e.getMessage());
            }
        });
    }

    /**
     * The one-client write loop, on its own thread. Around a kill it records every finished put (from just
     * before the kill until the first acknowledgement of a put sent after it), which is all that is needed
     * to find the gap and the errors in it; otherwise it records nothing, however long it runs.
     */
    static final class PutLoop implements AutoCloseable, Runnable {
        /** One finished put; {@code error} is null for an acknowledged one. */
        record Op(long startedAt, long completedAt, String error) {
        }

        /** The first acknowledged put sent at or after {@code from}, and the failed puts that ended before it. */
        record Gap(long from, Op ack, Map<String, Long> errors) {
        }

        /** The puts finished since {@link #record()}; closed once it holds the acknowledgement looked for. */
        static final class Recording {
            private final List<Op> ops = new ArrayList<>();
            private long from = Long.MAX_VALUE;
            private boolean complete;
        }

        /** A bound for runaway recordings (a driver failing in microseconds for a minute). */
        private static final int MAX_OPS = 1_000_000;

        private final Driver driver;
        private final int keys;
        private final Thread thread;
        private Recording recording;
        private String lastError = "none yet";
        private volatile boolean stop;

        private PutLoop(Driver driver, int keys) {
            this.driver = driver;
            this.keys = keys;
            this.thread = new Thread(this, "failover-put-loop");
            this.thread.setDaemon(true);
        }

        static PutLoop start(Driver driver, int keys) {
            PutLoop l = new PutLoop(driver, keys);
            l.thread.start();
            return l;
        }

        @Override
        public void run() {
            int key = 0;
            while (!stop) {
                long t0 = System.nanoTime();
                String error = null;
                try {
                    driver.put(key);
                } catch (Exception e) {
                    error = driver.errorKind(e);
                }
                long t1 = System.nanoTime();
                synchronized (this) {
                    lastError = error == null ? "acknowledged" : error;
                    Recording r = recording;
                    if (r != null && !r.complete && r.ops.size() < MAX_OPS) {
                        r.ops.add(new Op(t0, t1, error));
                        r.complete = error == null && t0 >= r.from;
                    }
                }
                key = (key + 1) % keys;
            }
        }

        /** Starts recording finished puts (call it before the kill: the kill's time is known only after). */
        synchronized Recording record() {
            recording = new Recording();
            return recording;
        }

        /** Waits for the first acknowledged put of {@code r} sent at or after {@code from}. */
        Gap awaitAck(Recording r, long from, Duration timeout) {
            synchronized (this) {
                r.from = from;
            }
            return Poll.until(timeout, "acknowledged put", () -> {
                synchronized (this) {
                    Map<String, Long> errors = new TreeMap<>();
                    for (Op op : r.ops) {
                        if (op.error() == null && op.startedAt() >= from) {
                            r.complete = true;
                            return Poll.done(new Gap(from, op, errors));
                        }
                        if (op.error() != null && op.completedAt() >= from) {
                            errors.merge(op.error(), 1L, Long::sum);
                        }
                    }
                    return Poll.notYet("last put: " + lastError);
                }
            });
        }

        /** The first acknowledged put sent from now on (steady state before a kill). */
        Gap awaitAck(Duration timeout) {
            Recording r = record();
            return awaitAck(r, System.nanoTime(), timeout);
        }

        @Override
        public void close() {
            stop = true;
            try {
                thread.join(Driver.Settings.SAFETY_TIMEOUT.toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
