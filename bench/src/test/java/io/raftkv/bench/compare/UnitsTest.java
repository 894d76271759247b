package io.raftkv.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void durations() {
        assertEquals(Duration.ofMillis(250), Units.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(10), Units.parseDuration("10s"));
        assertEquals(Duration.ofMillis(1500), Units.parseDuration("1.5s"));
        assertEquals(Duration.ofMinutes(2), Units.parseDuration("2m"));
        assertEquals(Duration.ofSeconds(3), Units.parseDuration("3"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("soon"));
        assertEquals("500ms", Units.duration(Duration.ofMillis(500)));
        assertEquals("1.5s", Units.duration(Duration.ofMillis(1500)));
    }

    @Test
    void numbers() {
        assertEquals("12,346", Units.count(12_345.6));
        assertEquals("0.59", Units.ms(0.591));
        assertEquals("12.3", Units.ms(12.34));
        assertEquals("1,234", Units.ms(1234.4));
        assertEquals("-", Units.ms(Double.NaN));
        assertEquals("-", Units.ratio(Double.POSITIVE_INFINITY));
    }
}
