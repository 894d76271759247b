package io.raftkv.server.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void fullJitterStaysUnderTheDoublingCeilingAndTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2));
        long cap = Duration.ofSeconds(2).toNanos();
        for (int attempt = 0; attempt < 100; attempt++) {
            long ceiling = Math.min(cap, attempt >= 30 ? cap : Duration.ofMillis(50).toNanos() << attempt);
            long max = 0;
            for (int i = 0; i < 200; i++) {
                long d = b.delayNanos(attempt);
                assertTrue(d >= 0 && d <= ceiling, "attempt " + attempt + ": " + d);
                max = Math.max(max, d);
            }
            // 200 uniform draws: the largest is above half the ceiling unless something is badly wrong.
            assertTrue(max > ceiling / 2, "attempt " + attempt + " never came near its ceiling: " + max);
        }
    }
}
