package io.raftkv.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailoverTest {
    /** Puts fail while {@code down} is set; a put in flight when it is cleared fails too (as a killed leader's would). */
    static final class Flaky extends GeneratorTest.FakeDriver {
        volatile boolean down;

        Flaky() {
            super(10);
        }

        @Override
        public void put(int key) {
            if (down) {
                throw new IllegalStateException("no leader");
            }
        }
    }

    @Test
    void theGapEndsAtTheFirstAckOfAPutSentAfterTheKill() {
        Flaky d = new Flaky();
        try (Failover.PutLoop loop = Failover.PutLoop.start(d, 10)) {
            loop.awaitAck(Duration.ofSeconds(10));
            Failover.PutLoop.Recording r = loop.record();
            // Puts that succeed after recording started but before the "kill" must not end the gap.
            Poll.hold(Duration.ofMillis(20));
            d.down = true;
            long kill = System.nanoTime();
            Poll.hold(Duration.ofMillis(100));
            d.down = false;
            Failover.PutLoop.Gap gap = loop.awaitAck(r, kill, Duration.ofSeconds(10));
            assertTrue(gap.ack().startedAt() >= kill);
            double gapMs = (gap.ack().completedAt() - kill) / 1e6;
            assertTrue(gapMs >= 100 && gapMs < 5_000, "gap " + gapMs);
            assertTrue(gap.errors().get("IllegalStateException") > 10, gap.errors().toString());
        }
    }

    @Test
    void noAckWithinTheDeadlineSaysWhatTheLastPutGot() {
        Flaky d = new Flaky();
        d.down = true;
        try (Failover.PutLoop loop = Failover.PutLoop.start(d, 10)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> loop.awaitAck(Duration.ofMillis(200)));
            assertTrue(e.getMessage().contains("IllegalStateException"), e.getMessage());
        }
    }

    @Test
    void seriesSummariseTheirKills() {
        Failover.Series s = new Failover.Series("raftkv", "default client", java.util.List.of(
                new Failover.Kill(0, 1, 1500, Map.of("IndeterminateException", 1L)),
                new Failover.Kill(1, 2, 1700, Map.of("IndeterminateException", 1L, "UnavailableException", 2L)),
                new Failover.Kill(2, 0, 1600, Map.of())));
        assertEquals(new Stats.Range(1500, 1600, 1700, 3), s.gapMs());
        assertEquals(Map.of("IndeterminateException", 2L, "UnavailableException", 2L), s.errors());
        String table = FailoverCommand.table(java.util.List.of(s));
        assertTrue(table.contains("| raftkv | default client | 3 | 1.60 s | 1.50 s–1.70 s | 4 (IndeterminateException 2,"
                + " UnavailableException 2) |"), table);
    }
}
