package io.raftkv.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProcStatsTest {
    @Test
    void cpuIsUtimePlusStimeCountedFromTheLastParenthesis() {
        // The command name "my (odd) name" holds spaces and parentheses; utime 1500, stime 250 (cutime 7 and
        // cstime 3, the children's, are not ours).
        assertEquals(1750, ProcStats.cpuTicks(Fixtures.read("proc-stat.txt")));
    }

    @Test
    void rssIsVmRssInKib() {
        assertEquals(OptionalLong.of(281_604), ProcStats.rssKib(Fixtures.read("proc-status.txt")));
        assertEquals(OptionalLong.empty(), ProcStats.rssKib("Name:\tkthreadd\nState:\tS (sleeping)\n"));
        assertThrows(IllegalArgumentException.class, () -> ProcStats.rssKib("VmRSS:\t12 MB\n"));
    }

    @Test
    void malformedStatLinesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ProcStats.cpuTicks("12345 no parenthesis S 1"));
        assertThrows(IllegalArgumentException.class, () -> ProcStats.cpuTicks("12345 (java) S 1 2 3"));
    }

    @Test
    void readsALiveProcessAndNothingForAGoneOne() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc on this platform");
        long self = ProcessHandle.current().pid();
        assertTrue(ProcStats.cpuMillis(self).orElseThrow() > 0);
        assertTrue(ProcStats.rssKib(self).orElseThrow() > 10_000);
        assertEquals(OptionalLong.empty(), ProcStats.cpuMillis(0));
        assertEquals(OptionalLong.empty(), ProcStats.rssKib(Long.MAX_VALUE));
    }
}
