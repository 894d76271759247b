package io.raftkv.bench.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench compare}: every system runs every cell, round after round, alternating which system goes
 * first (round 1: the first system then the second, round 2 the reverse, ...), so slow drift of a shared
 * machine (other tenants, thermal state, page cache) falls on both alike.
 *
 * <p>Each system gets a fresh cluster per round (new data directories, preloaded keys), reused by the cells
 * of that round in a fixed order. Fresh per round: every round starts from the same state, and nothing a
 * round leaves behind (etcd's MVCC history, raftkv's log, either one's compaction debt) carries into the
 * next. Not fresh per cell: start-up and preload would cost more than the cells, and every cell is preceded
 * by its own warm-up on both systems in the same order.
 */
final class Compare {
    /** Preload transactions: 100 puts each (etcd's default limit is 128 operations per transaction). */
    static final int LOAD_BATCH = 100;
    private static final int LOAD_THREADS = 16;
    private static final long RSS_SAMPLE_MS = 200;
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);

    /** The run's parameters (see CompareCommand for what each means). */
    record Settings(Duration roundWarmup, Duration idle, Duration warmup, Duration duration, List<Cell> cells, int rounds,
                    int keys, int valueBytes, Duration startTimeout, long seed) {
    }

    /**
     * The servers' CPU with no load, right after a round's warm-up: the floor (ticks, heartbeats, background
     * work) that every operation of a low-concurrency cell shares.
     *
     * @param cpuMsPerSecond utime + stime of the three server processes per second of wall time
     */
    record Idle(String system, int round, double cpuMsPerSecond) {
    }

    /** Clients of the round's warm-up: enough concurrency to exercise batching paths as well. */
    static final int ROUND_WARMUP_CLIENTS = 32;

    private final Settings settings;
    private final PrintStream log;
    private final List<Result> results = Collections.synchronizedList(new ArrayList<>());
    private final List<Idle> idles = Collections.synchronizedList(new ArrayList<>());

    Compare(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    /** Results so far: on a failure the caller still writes what was measured. */
    List<Result> results() {
        return List.copyOf(results);
    }

    List<Idle> idles() {
        return List.copyOf(idles);
    }

    /** The systems in the order of round {@code round} (1-based): as given in odd rounds, reversed in even ones. */
    static <T> List<T> order(List<T> systems, int round) {
        List<T> o = new ArrayList<>(systems);
        if (round % 2 == 0) {
            Collections.reverse(o);
        }
        return o;
    }

    void run(List<SystemUnderTest> systems) {
        for (int round = 1; round <= settings.rounds(); round++) {
            for (SystemUnderTest sys : order(systems, round)) {
                runRound(sys, round);
            }
        }
    }

    private void runRound(SystemUnderTest sys, int round) {
        log.printf("round %d/%d, %s: starting a fresh 3-node cluster%n", round, settings.rounds(), sys.name());
        long t0 = System.nanoTime();
        sys.start(settings.startTimeout());
        try (Driver driver = sys.connect(new Driver.Settings(null, settings.keys(), settings.valueBytes()))) {
            log.printf("round %d/%d, %s: cluster up in %.1f s; preloading %,d keys of %d bytes%n", round, settings.rounds(),
                    sys.name(), (System.nanoTime() - t0) / 1e9, settings.keys(), settings.valueBytes());
            long t1 = System.nanoTime();
            preload(driver, settings.keys());
            log.printf("round %d/%d, %s: preloaded in %.1f s%n", round, settings.rounds(), sys.name(), (System.nanoTime() - t1) / 1e9);
            warmUp(driver, round);
            measureIdle(sys, round);
            for (Cell cell : settings.cells()) {
                Result r = runCell(sys, driver, cell, round);
                results.add(r);
                log.printf("round %d/%d, %s, %-10s %,9.0f ops/s  p50 %s ms  p99 %s ms  p99.9 %s ms  errors %d  "
                                + "leader changes %d  CPU %s ms/1k ops  RSS %d MiB  entries/fsync %s%n",
                        round, settings.rounds(), sys.name(), cell.name(), r.opsPerSecond(), Units.ms(r.p50Ms()),
                        Units.ms(r.p99Ms()), Units.ms(r.p999Ms()), r.errorCount(), r.leaderChanges(),
                        Units.ms(r.cpuMsPer1000()), r.maxRssMiB(), Units.ms(r.entriesPerFsync()));
            }
        } finally {
            sys.close();
        }
    }

    /** Writes every key once, in transactions of {@link #LOAD_BATCH}, from a few threads sharing the driver. */
    static void preload(Driver driver, int keys) {
        ExecutorService pool = Executors.newFixedThreadPool(LOAD_THREADS, r -> {
            Thread t = new Thread(r, "preload");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> batches = new ArrayList<>();
            for (int from = 0; from < keys; from += LOAD_BATCH) {
                int lo = from;
                int hi = Math.min(keys, from + LOAD_BATCH);
                batches.add(pool.submit(() -> {
                    // Puts of fixed values are idempotent: retrying a batch whose outcome is unknown is safe.
                    Exception last = null;
                    for (int attempt = 0; attempt < 5; attempt++) {
                        try {
                            driver.load(lo, hi);
                            return null;
                        } catch (Exception e) {
                            last = e;
                        }
                    }
                    throw new IllegalStateException("preloading keys " + lo + ".." + (hi - 1) + " failed 5 times: "
                            + driver.errorKind(last), last);
                }));
            }
            for (Future<?> f : batches) {
                f.get(5, TimeUnit.MINUTES);
            }
        } catch (Exception e) {
            throw new IllegalStateException("preload failed: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The round's warm-up: a fresh raftkv node is three new JVMs, and 5 s per cell is far from enough for the
     * JIT to compile the paths of the first cell (measured: put@1 at 100-180 ops/s after 5 s of warm-up, 600
     * after 30 s, on the loaded 2-core machine). etcd gets the same warm-up, though Go needs none.
     */
    private void warmUp(Driver driver, int round) {
        if (settings.roundWarmup().isZero()) {
            return;
        }
        Generator g = Generator.start(driver, new Cell(Cell.Workload.WARMUP, ROUND_WARMUP_CLIENTS), settings.keys(),
                settings.seed() + round);
        try {
            Poll.hold(settings.roundWarmup());
        } finally {
            Generator.Outcome o = g.join(JOIN_TIMEOUT);
            if (o.warmupErrors() > 0) {
                log.printf("round %d/%d: %d errors during the round's warm-up%n", round, settings.rounds(), o.warmupErrors());
            }
        }
    }

    private void measureIdle(SystemUnderTest sys, int round) {
        if (settings.idle().isZero()) {
            return;
        }
        Probe a = Probe.take(sys);
        long t0 = System.nanoTime();
        Poll.hold(settings.idle());
        Probe b = Probe.take(sys);
        double seconds = (System.nanoTime() - t0) / 1e9;
        // cpuMsPer1000 over "1000 operations" is the CPU in ms over the period.
        double cpuMs = Probe.cpuMsPer1000(a, b, 1000);
        Idle idle = new Idle(sys.name(), round, cpuMs / seconds);
        idles.add(idle);
        log.printf("round %d/%d, %s: idle server CPU %.0f ms/s (3 nodes, no load)%n", round, settings.rounds(), sys.name(),
                idle.cpuMsPerSecond());
    }

    private Result runCell(SystemUnderTest sys, Driver driver, Cell cell, int round) {
        Probe start = Probe.take(sys);
        RssSampler rss = RssSampler.start(sys, RSS_SAMPLE_MS);
        Generator.Outcome o;
        Probe m0;
        Probe m1;
        try {
            Generator g = Generator.start(driver, cell, settings.keys(), settings.seed() * 31 + cell.hashCode() + round);
            try {
                Poll.hold(settings.warmup());
                m0 = Probe.take(sys);
                g.beginMeasure();
                Poll.hold(settings.duration());
                g.endMeasure();
                m1 = Probe.take(sys);
            } finally {
                o = g.join(JOIN_TIMEOUT);
            }
        } finally {
            rss.stop();
        }
        long ops = o.ops();
        return new Result(sys.name(), round, cell, o.seconds(), ops, o.opsPerSecond(), o.percentileMs(50),
                o.percentileMs(99), o.percentileMs(99.9), ops == 0 ? Double.NaN : o.latency().getMaxValue() / 1e6,
                o.errors(), o.warmupErrors(), Probe.leaderChanges(start, m1), Probe.cpuMsPer1000(m0, m1, ops),
                rss.peaksMiB(), Probe.entriesPerFsync(m0, m1), m1.leader(), Probe.cpuMsPer1000ByNode(m0, m1, ops));
    }

    /** Every node's counters and CPU time at one moment; a node that does not answer is null. */
    record Probe(List<SystemUnderTest.Counters> counters, List<Long> cpuMs) {
        static Probe take(SystemUnderTest sys) {
            // CPU first: it brackets the measured period tightly; the metrics scrapes take milliseconds.
            List<Long> cpu = new ArrayList<>();
            for (int i = 0; i < sys.size(); i++) {
                OptionalLong c = ProcStats.cpuMillis(sys.pid(i));
                cpu.add(c.isPresent() ? c.getAsLong() : null);
            }
            List<SystemUnderTest.Counters> cs = new ArrayList<>();
            for (int i = 0; i < sys.size(); i++) {
                try {
                    cs.add(sys.counters(i));
                } catch (IOException e) {
                    cs.add(null);
                }
            }
            return new Probe(Collections.unmodifiableList(cs), Collections.unmodifiableList(cpu));
        }

        /** The node that says it leads, -1 if none (or it did not answer). */
        int leader() {
            for (int i = 0; i < counters.size(); i++) {
                if (counters.get(i) != null && counters.get(i).isLeader()) {
                    return i;
                }
            }
            return -1;
        }

        /** Each node's CPU per 1,000 operations (NaN for a node missing at either end, or without operations). */
        static List<Double> cpuMsPer1000ByNode(Probe a, Probe b, long ops) {
            List<Double> out = new ArrayList<>();
            for (int i = 0; i < a.cpuMs.size(); i++) {
                boolean known = ops > 0 && a.cpuMs.get(i) != null && b.cpuMs.get(i) != null;
                out.add(known ? (b.cpuMs.get(i) - a.cpuMs.get(i)) * 1000.0 / ops : Double.NaN);
            }
            return out;
        }

        /** The most changes any node counted (each node counts the same change once). */
        static long leaderChanges(Probe a, Probe b) {
            long max = 0;
            for (int i = 0; i < a.counters.size(); i++) {
                if (a.counters.get(i) != null && b.counters.get(i) != null) {
                    max = Math.max(max, Math.round(b.counters.get(i).leaderChanges() - a.counters.get(i).leaderChanges()));
                }
            }
            return max;
        }

        /** Server CPU per 1,000 operations; NaN without operations or when a node was missing at either end. */
        static double cpuMsPer1000(Probe a, Probe b, long ops) {
            if (ops == 0) {
                return Double.NaN;
            }
            long total = 0;
            for (int i = 0; i < a.cpuMs.size(); i++) {
                if (a.cpuMs.get(i) == null || b.cpuMs.get(i) == null) {
                    return Double.NaN;
                }
                total += b.cpuMs.get(i) - a.cpuMs.get(i);
            }
            return total * 1000.0 / ops;
        }

        /**
         * Log entries committed per WAL fsync, over all nodes: every node writes every entry to its own log,
         * so the sum of commit-index advances over the sum of fsyncs is the average batch a sync carried.
         */
        static double entriesPerFsync(Probe a, Probe b) {
            double entries = 0;
            double syncs = 0;
            for (int i = 0; i < a.counters.size(); i++) {
                if (a.counters.get(i) != null && b.counters.get(i) != null) {
                    entries += b.counters.get(i).committed() - a.counters.get(i).committed();
                    syncs += b.counters.get(i).fsyncs() - a.counters.get(i).fsyncs();
                }
            }
            return entries < 1 || syncs < 1 ? Double.NaN : entries / syncs;
        }
    }

    /** Peak RSS of each node during a cell, sampled from /proc on a background thread. */
    static final class RssSampler implements Runnable {
        private final SystemUnderTest sys;
        private final long intervalMs;
        private final long[] peakKib;
        private final Thread thread;
        private volatile boolean stop;

        private RssSampler(SystemUnderTest sys, long intervalMs) {
            this.sys = sys;
            this.intervalMs = intervalMs;
            this.peakKib = new long[sys.size()];
            this.thread = new Thread(this, "rss-sampler");
            this.thread.setDaemon(true);
        }

        static RssSampler start(SystemUnderTest sys, long intervalMs) {
            RssSampler s = new RssSampler(sys, intervalMs);
            s.sample();
            s.thread.start();
            return s;
        }

        @Override
        public void run() {
            while (!stop) {
                Poll.pause(intervalMs);
                sample();
            }
        }

        private synchronized void sample() {
            for (int i = 0; i < peakKib.length; i++) {
                OptionalLong kib = ProcStats.rssKib(sys.pid(i));
                if (kib.isPresent()) {
                    peakKib[i] = Math.max(peakKib[i], kib.getAsLong());
                }
            }
        }

        void stop() {
            stop = true;
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sample();
        }

        synchronized List<Long> peaksMiB() {
            List<Long> out = new ArrayList<>();
            for (long k : peakKib) {
                out.add(Math.round(k / 1024.0));
            }
            return out;
        }
    }

    /** The settings as recorded in results.json. */
    Map<String, Object> settingsJson() {
        return Json.object().with("roundWarmup", Units.duration(settings.roundWarmup()) + " of puts, linearizable and "
                        + "serializable gets (" + ROUND_WARMUP_CLIENTS + " clients) after the preload")
                .with("idle", Units.duration(settings.idle()) + " with no load after the round's warm-up")
                .with("warmup", Units.duration(settings.warmup()))
                .with("duration", Units.duration(settings.duration())).with("rounds", settings.rounds())
                .with("cells", settings.cells().stream().map(Cell::name).toList()).with("keys", settings.keys())
                .with("valueBytes", settings.valueBytes()).with("seed", settings.seed())
                .with("clusterPerRound", "fresh cluster per system per round; cells of a round share it")
                .with("generator", "one JVM, closed loop, N threads sharing one client object per system");
    }
}
