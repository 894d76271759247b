package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final long MS = 1_000_000L;

    @Test
    void ceilingDoublesFromBaseUpToCap() {
        Backoff b = new Backoff(10 * MS, 100 * MS, new Random(1));
        assertEquals(10 * MS, b.ceilingNanos(0));
        assertEquals(20 * MS, b.ceilingNanos(1));
        assertEquals(40 * MS, b.ceilingNanos(2));
        assertEquals(80 * MS, b.ceilingNanos(3));
        assertEquals(100 * MS, b.ceilingNanos(4));
        assertEquals(100 * MS, b.ceilingNanos(62));
        assertEquals(100 * MS, b.ceilingNanos(1000), "no overflow for absurd retry counts");
    }

    @Test
    void delaysAreFullJitterWithinZeroAndTheCeiling() {
        Backoff b = new Backoff(10 * MS, 100 * MS, new Random(7));
        for (int retry = 0; retry < 10; retry++) {
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (int i = 0; i < 2000; i++) {
                long d = b.delayNanos(retry);
                assertTrue(d >= 0 && d <= b.ceilingNanos(retry), "delay " + d + " outside [0, " + b.ceilingNanos(retry) + "]");
                min = Math.min(min, d);
                max = Math.max(max, d);
            }
            // Full jitter uses the whole interval, not just its top (equal jitter) or a fixed value.
            assertTrue(min < b.ceilingNanos(retry) / 10, "retry " + retry + " min " + min);
            assertTrue(max > b.ceilingNanos(retry) * 9 / 10, "retry " + retry + " max " + max);
        }
    }

    @Test
    void sameSeedSameDelays() {
        assertEquals(delays(42), delays(42));
    }

    private static List<Long> delays(long seed) {
        Backoff b = new Backoff(10 * MS, 1000 * MS, new Random(seed));
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            out.add(b.delayNanos(i));
        }
        return out;
    }

    @Test
    void rejectsInconsistentSettings() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10, new Random()));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 5, new Random()));
    }
}
