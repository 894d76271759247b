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
                loop.awaitAckAfter(System.nanoTime(), RECOVERY_TIMEOUT);
                long killedAt = System.nanoTime();
                sys.kill(leader);
                PutLoop.Ack ack = loop.awaitAckAfter(killedAt, RECOVERY_TIMEOUT);
                double gapMs = (ack.completedAt() - killedAt) / 1e6;
                int newLeader;
                try {
                    newLeader = sys.awaitLeader(RECOVERY_TIMEOUT);
                } catch (IllegalStateException e) {
                    newLeader = -1;
                }
                Map<String, Long> errors = loop.errorsBetween(killedAt, ack.completedAt());
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
     * The one-client write loop, on its own thread. It keeps every operation's start, end and outcome of the
     * recent past (bounded), which is enough to find the first acknowledgement of a put sent after a kill.
     */
    static final class PutLoop implements AutoCloseable, Runnable {
        /** One finished put. */
        record Op(long startedAt, long completedAt, String error) {
        }

        /** An acknowledged put. */
        record Ack(long startedAt, long completedAt) {
        }

        private static final int KEEP = 200_000;

        private final Driver driver;
        private final int keys;
        private final Thread thread;
        private final List<Op> ops = new ArrayList<>();
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
                    if (ops.size() == KEEP) {
                        ops.subList(0, KEEP / 2).clear();
                    }
                    ops.add(new Op(t0, t1, error));
                }
                key = (key + 1) % keys;
            }
        }

        /** The first acknowledged put that started at or after {@code t}. */
        Ack awaitAckAfter(long t, Duration timeout) {
            return Poll.until(timeout, "acknowledged put", () -> {
                synchronized (this) {
                    for (Op op : ops) {
                        if (op.startedAt() >= t && op.error() == null) {
                            return Poll.done(new Ack(op.startedAt(), op.completedAt()));
                        }
                    }
                    String last = ops.isEmpty() ? "none yet" : String.valueOf(ops.get(ops.size() - 1).error());
                    return Poll.notYet("last put: " + last);
                }
            });
        }

        synchronized Map<String, Long> errorsBetween(long from, long to) {
            Map<String, Long> m = new TreeMap<>();
            for (Op op : ops) {
                if (op.error() != null && op.completedAt() >= from && op.completedAt() <= to) {
                    m.merge(op.error(), 1L, Long::sum);
                }
            }
            return m;
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
