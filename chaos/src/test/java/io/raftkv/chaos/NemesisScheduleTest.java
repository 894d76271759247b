package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NemesisScheduleTest {
    private static final Duration TICK = Duration.ofMillis(50);
    private static final NemesisSchedule.Timing TIMING = NemesisSchedule.Timing.forTick(TICK);

    @Test
    void theSameSeedGivesTheSamePlan() {
        Set<FaultKind> all = FaultKind.parse("all");
        NemesisSchedule a = NemesisSchedule.plan(42, all, List.of(1, 2, 3, 4, 5), Duration.ofSeconds(120), TIMING, TICK);
        NemesisSchedule b = NemesisSchedule.plan(42, all, List.of(1, 2, 3, 4, 5), Duration.ofSeconds(120), TIMING, TICK);
        NemesisSchedule c = NemesisSchedule.plan(43, all, List.of(1, 2, 3, 4, 5), Duration.ofSeconds(120), TIMING, TICK);
        assertEquals(a, b);
        assertNotEquals(a.steps(), c.steps());
    }

    @Test
    void planFitsItsSpanAndDealsEveryKindBeforeRepeating() {
        Set<FaultKind> all = FaultKind.parse("all");
        NemesisSchedule s = NemesisSchedule.plan(7, all, List.of(1, 2, 3, 4, 5), Duration.ofSeconds(200), TIMING, TICK);
        long total = s.steps().stream().mapToLong(x -> x.quietBefore().toMillis() + x.duration().toMillis()).sum();
        assertTrue(total <= 200_000, "plan of " + total + " ms exceeds its span");
        assertTrue(s.steps().size() >= all.size());
        Set<FaultKind> firstDeal = EnumSet.noneOf(FaultKind.class);
        s.steps().subList(0, all.size()).forEach(x -> firstDeal.add(x.kind()));
        assertEquals(all, firstDeal);
        for (NemesisSchedule.Step x : s.steps()) {
            assertTrue(x.duration().compareTo(TIMING.faultMin()) >= 0 && x.duration().compareTo(TIMING.faultMax()) <= 0);
            assertEquals(5, x.order().size());
            assertTrue(x.loss() > 0 && x.loss() < 0.2);
            assertTrue(x.delay().compareTo(TICK) >= 0);
        }
    }

    @Test
    void kindsThatNeedMoreNodesAreLeftOut() {
        NemesisSchedule s = NemesisSchedule.plan(1, EnumSet.of(FaultKind.RING, FaultKind.KILL), List.of(1, 2, 3),
                Duration.ofSeconds(60), TIMING, TICK);
        assertFalse(s.steps().isEmpty());
        assertTrue(s.steps().stream().allMatch(x -> x.kind() == FaultKind.KILL));
        assertTrue(NemesisSchedule.plan(1, EnumSet.of(FaultKind.RING), List.of(1, 2, 3), Duration.ofSeconds(60), TIMING, TICK)
                .steps().isEmpty());
    }

    @Test
    void nemesisNamesAndGroupsParse() {
        assertEquals(EnumSet.of(FaultKind.KILL, FaultKind.KILL_LEADER, FaultKind.PAUSE, FaultKind.PAUSE_LEADER),
                FaultKind.parse("kill, pause"));
        assertEquals(EnumSet.of(FaultKind.SLOW, FaultKind.LOSSY, FaultKind.BRIDGE), FaultKind.parse("links,bridge"));
        assertEquals(6, FaultKind.parse("partition").size());
        assertEquals(FaultKind.values().length - 1, FaultKind.parse("all").size(), "all but the returning-follower load test");
        assertTrue(FaultKind.parse("none").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> FaultKind.parse("meteor"));
    }
}
