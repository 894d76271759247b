package io.raftkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void durationsTakeMillisSecondsMinutesHours() {
        assertEquals(Duration.ofMillis(100), Units.parseDuration("100ms"));
        assertEquals(Duration.ofSeconds(5), Units.parseDuration("5s"));
        assertEquals(Duration.ofMinutes(1), Units.parseDuration("1m"));
        assertEquals(Duration.ofHours(2), Units.parseDuration("2h"));
        assertEquals(Duration.ofSeconds(5), Units.parseDuration(" 5S "));
    }

    @Test
    void durationsWithoutUnitOrWithGarbageAreRejectedWithAnExample() {
        for (String bad : new String[] {"100", "5x", "", "-1s", "1.5s", "s", "ms5"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.parseDuration(bad), bad);
            assertTrue(e.getMessage().contains("is not a duration (use e.g. 100ms, 5s, 1m)"), e.getMessage());
        }
    }

    @Test
    void formatIsTheInverseOfParse() {
        for (String s : new String[] {"100ms", "5s", "1m", "2h", "0s", "1500ms"}) {
            assertEquals(s, Units.format(Units.parseDuration(s)));
        }
    }

    @Test
    void sizesTakeBinarySuffixes() {
        assertEquals(4096, Units.parseSize("4096"));
        assertEquals(4096, Units.parseSize("4KiB"));
        assertEquals(1 << 20, Units.parseSize("1MiB"));
        assertEquals(2L << 30, Units.parseSize("2GiB"));
        assertEquals(1 << 20, Units.parseSize("1m"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseSize("4 KB"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseIntSize("4GiB"));
    }
}
