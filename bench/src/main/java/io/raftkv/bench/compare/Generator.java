package io.raftkv.bench.compare;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The closed-loop load generator: {@code clients} threads share one {@link Driver} and each issues its next
 * operation as soon as the previous one returns (no think time, no pacing), so throughput is what the system
 * sustains at that concurrency and latency is what each caller waits.
 *
 * <p>Phases: warm-up (JIT, connections, caches; nothing recorded), then {@link #beginMeasure()} ..
 * {@link #endMeasure()}: an operation counts if it completes inside that window. Each thread records into
 * its own histogram (no sharing on the hot path); they are merged after the threads stop.
 */
final class Generator {
    private static final int WARMUP = 0;
    private static final int MEASURE = 1;
    private static final int STOP = 2;
    /** Latencies up to a minute, 3 significant digits. */
    private static final long MAX_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** What one cell measured. */
    record Outcome(Histogram latency, Map<String, Long> errors, long warmupErrors, double seconds) {
        long ops() {
            return latency.getTotalCount();
        }

        double opsPerSecond() {
            return seconds > 0 ? ops() / seconds : 0;
        }

        /** A percentile in milliseconds, NaN with no operations. */
        double percentileMs(double p) {
            return ops() == 0 ? Double.NaN : latency.getValueAtPercentile(p) / 1e6;
        }
    }

    private final Driver driver;
    private final Cell cell;
    private final int keys;
    private final Zipfian zipfian;
    private final List<Worker> workers = new ArrayList<>();
    private volatile int phase = WARMUP;
    private long measureStart;
    private long measureEnd;

    private Generator(Driver driver, Cell cell, int keys, long seed) {
        this.driver = driver;
        this.cell = cell;
        this.keys = keys;
        this.zipfian = cell.workload() == Cell.Workload.YCSB_A ? new Zipfian(keys, Zipfian.THETA) : null;
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int i = 0; i < cell.clients(); i++) {
            workers.add(new Worker(seeds.split(), i));
        }
    }

    /** Starts the threads in the warm-up phase. */
    static Generator start(Driver driver, Cell cell, int keys, long seed) {
        Generator g = new Generator(driver, cell, keys, seed);
        g.workers.forEach(w -> w.thread.start());
        return g;
    }

    void beginMeasure() {
        measureStart = System.nanoTime();
        phase = MEASURE;
    }

    /** Ends the measured window; threads finish the operation they are in and stop. */
    void endMeasure() {
        phase = STOP;
        measureEnd = System.nanoTime();
    }

    /**
     * Waits for the threads (each finishes the call it is in: bounded by the client's own deadline) and
     * merges what they recorded.
     */
    Outcome join(Duration timeout) {
        if (phase != STOP) {
            endMeasure();
        }
        long end = System.nanoTime() + timeout.toNanos();
        Histogram all = new Histogram(MAX_NANOS, 3);
        Map<String, Long> errors = new TreeMap<>();
        long warmupErrors = 0;
        for (Worker w : workers) {
            try {
                w.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (w.thread.isAlive()) {
                throw new IllegalStateException("generator thread " + w.thread.getName() + " of " + cell
                        + " still in a call " + Units.duration(timeout) + " after the end of the measured period");
            }
            all.add(w.histogram);
            w.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
            warmupErrors += w.warmupErrors;
        }
        double seconds = measureStart == 0 ? 0 : (measureEnd - measureStart) / 1e9;
        return new Outcome(all, errors, warmupErrors, seconds);
    }

    private final class Worker implements Runnable {
        final SplittableRandom random;
        final Thread thread;
        final Histogram histogram = new Histogram(MAX_NANOS, 3);
        final Map<String, Long> errors = new TreeMap<>();
        long warmupErrors;

        Worker(SplittableRandom random, int index) {
            this.random = random;
            this.thread = new Thread(this, "gen-" + cell.name() + "-" + index);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            while (phase != STOP) {
                long t0 = System.nanoTime();
                Throwable failure = null;
                try {
                    step();
                } catch (Exception e) {
                    failure = e;
                }
                long t1 = System.nanoTime();
                // Counted by when it completed: the measured window holds exactly the completions inside it.
                if (phase == MEASURE) {
                    if (failure == null) {
                        histogram.recordValue(Math.min(t1 - t0, MAX_NANOS));
                    } else {
                        errors.merge(driver.errorKind(failure), 1L, Long::sum);
                    }
                } else if (failure != null && phase == WARMUP) {
                    warmupErrors++;
                }
            }
        }

        private void step() throws Exception {
            switch (cell.workload()) {
                case PUT -> driver.put(random.nextInt(keys));
                case GET_LINEARIZABLE -> driver.get(random.nextInt(keys), true);
                case GET_SERIALIZABLE -> driver.get(random.nextInt(keys), false);
                case YCSB_A -> {
                    int key = (int) zipfian.next(random);
                    if (random.nextBoolean()) {
                        driver.get(key, true);
                    } else {
                        driver.put(key);
                    }
                }
                case WARMUP -> {
                    int key = random.nextInt(keys);
                    switch (random.nextInt(3)) {
                        case 0 -> driver.put(key);
                        case 1 -> driver.get(key, true);
                        default -> driver.get(key, false);
                    }
                }
                default -> throw new IllegalStateException("unknown workload " + cell.workload());
            }
        }
    }
}
