package io.raftkv.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    /** A driver that answers at once, fails every 10th call, and counts what it was asked. */
    static class FakeDriver implements Driver {
        final LongAdder puts = new LongAdder();
        final LongAdder linearizable = new LongAdder();
        final LongAdder serializable = new LongAdder();
        final AtomicLong calls = new AtomicLong();
        final int keys;
        volatile boolean keyOutOfRange;

        FakeDriver(int keys) {
            this.keys = keys;
        }

        private void call(int key) {
            if (key < 0 || key >= keys) {
                keyOutOfRange = true;
            }
            if (calls.incrementAndGet() % 10 == 0) {
                throw new IllegalStateException("every tenth call fails");
            }
        }

        @Override
        public void put(int key) {
            puts.increment();
            call(key);
        }

        @Override
        public void get(int key, boolean lin) {
            (lin ? linearizable : serializable).increment();
            call(key);
        }

        @Override
        public void load(int from, int to) {
        }

        @Override
        public String errorKind(Throwable t) {
            return t.getClass().getSimpleName();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void onlyTheMeasuredWindowCountsAndErrorsAreByKind() {
        FakeDriver d = new FakeDriver(100);
        Generator g = Generator.start(d, new Cell(Cell.Workload.PUT, 4), 100, 1);
        Poll.hold(Duration.ofMillis(100));
        long beforeMeasure = d.calls.get();
        g.beginMeasure();
        Poll.hold(Duration.ofMillis(200));
        g.endMeasure();
        Generator.Outcome o = g.join(Duration.ofSeconds(10));
        long total = d.calls.get();
        long errors = o.errors().get("IllegalStateException");
        assertTrue(beforeMeasure > 0 && o.warmupErrors() > 0, "the warm-up ran and its errors were kept apart");
        // Every tenth call fails: in the window as everywhere else (4 threads share the counter, hence the slack).
        assertEquals(o.ops() / 9.0, errors, o.ops() / 9.0 * 0.1 + 4);
        assertTrue(o.ops() + errors < total - beforeMeasure + 8, "calls before the window are not counted");
        assertEquals(0.2, o.seconds(), 0.05);
        assertEquals(o.ops() / o.seconds(), o.opsPerSecond(), 1e-6);
        assertTrue(o.percentileMs(50) >= 0 && o.percentileMs(99.9) >= o.percentileMs(50));
        assertEquals(d.puts.sum(), total);
        assertTrue(!d.keyOutOfRange);
    }

    @Test
    void ycsbAIsHalfReadsHalfUpdatesOverTheKeySpace() {
        FakeDriver d = new FakeDriver(1_000);
        Generator g = Generator.start(d, new Cell(Cell.Workload.YCSB_A, 2), 1_000, 2);
        g.beginMeasure();
        Poll.hold(Duration.ofMillis(200));
        g.join(Duration.ofSeconds(10));
        double reads = d.linearizable.sum();
        double writes = d.puts.sum();
        assertTrue(reads > 1_000, "ran: " + reads);
        assertEquals(0.5, reads / (reads + writes), 0.02);
        assertEquals(0, d.serializable.sum());
        assertTrue(!d.keyOutOfRange);
    }

    @Test
    void theRoundWarmupTakesEveryPath() {
        FakeDriver d = new FakeDriver(1_000);
        Generator g = Generator.start(d, new Cell(Cell.Workload.WARMUP, 2), 1_000, 5);
        Poll.hold(Duration.ofMillis(100));
        Generator.Outcome o = g.join(Duration.ofSeconds(10));
        assertEquals(0, o.ops(), "nothing measured");
        double all = d.calls.get();
        for (LongAdder a : new LongAdder[] {d.puts, d.linearizable, d.serializable}) {
            assertEquals(1 / 3.0, a.sum() / all, 0.03);
        }
    }

    @Test
    void serializableGetsAreSerializable() {
        FakeDriver d = new FakeDriver(10);
        Generator g = Generator.start(d, new Cell(Cell.Workload.GET_SERIALIZABLE, 1), 10, 3);
        g.beginMeasure();
        Poll.hold(Duration.ofMillis(50));
        Generator.Outcome o = g.join(Duration.ofSeconds(10));
        assertTrue(o.ops() > 0);
        assertEquals(0, d.linearizable.sum() + d.puts.sum());
    }

    @Test
    void nothingMeasuredMeansNoPercentiles() {
        FakeDriver d = new FakeDriver(10);
        Generator g = Generator.start(d, new Cell(Cell.Workload.PUT, 1), 10, 4);
        Generator.Outcome o = g.join(Duration.ofSeconds(10));
        assertEquals(0, o.ops());
        assertTrue(Double.isNaN(o.percentileMs(50)));
        assertEquals(0, o.opsPerSecond());
    }
}
