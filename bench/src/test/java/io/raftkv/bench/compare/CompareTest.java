package io.raftkv.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompareTest {
    @Test
    void systemsAlternateWhoGoesFirst() {
        List<String> s = List.of("raftkv", "etcd");
        assertEquals(List.of("raftkv", "etcd"), Compare.order(s, 1));
        assertEquals(List.of("etcd", "raftkv"), Compare.order(s, 2));
        assertEquals(List.of("raftkv", "etcd"), Compare.order(s, 3));
    }

    private static SystemUnderTest.Counters c(double leaderChanges, double fsyncs, double committed) {
        return new SystemUnderTest.Counters(leaderChanges, fsyncs, committed, committed, false, true);
    }

    @Test
    void probeArithmetic() {
        Compare.Probe a = new Compare.Probe(List.of(c(1, 100, 1000), c(1, 90, 1000), c(1, 95, 1000)), List.of(1000L, 500L, 700L));
        Compare.Probe b = new Compare.Probe(List.of(c(2, 200, 2000), c(3, 190, 2000), c(1, 195, 2000)), List.of(3000L, 1500L, 1700L));
        // Node 1 saw two changes: the cell had two (each node counts each change once).
        assertEquals(2, Compare.Probe.leaderChanges(a, b));
        // 2000 + 1000 + 1000 ms of CPU over 4000 ops.
        assertEquals(1000.0, Compare.Probe.cpuMsPer1000(a, b, 4000), 1e-9);
        assertEquals(List.of(500.0, 250.0, 250.0), Compare.Probe.cpuMsPer1000ByNode(a, b, 4000));
        assertTrue(Double.isNaN(Compare.Probe.cpuMsPer1000(a, b, 0)));
        // 3 x 1000 entries over 3 x 100 fsyncs.
        assertEquals(10.0, Compare.Probe.entriesPerFsync(a, b), 1e-9);
        // Reads commit nothing: no ratio rather than 0.
        assertTrue(Double.isNaN(Compare.Probe.entriesPerFsync(a, a)));
    }

    @Test
    void aNodeThatDidNotAnswerIsLeftOutOrMakesCpuUnknown() {
        Compare.Probe a = new Compare.Probe(Arrays.asList(c(0, 0, 0), null, c(0, 0, 0)), Arrays.asList(0L, null, 0L));
        Compare.Probe b = new Compare.Probe(Arrays.asList(c(1, 10, 50), c(9, 9, 9), c(0, 10, 50)), Arrays.asList(10L, 10L, 10L));
        assertEquals(1, Compare.Probe.leaderChanges(a, b));
        assertEquals(5.0, Compare.Probe.entriesPerFsync(a, b), 1e-9);
        assertTrue(Double.isNaN(Compare.Probe.cpuMsPer1000(a, b, 100)));
        assertTrue(Double.isNaN(Compare.Probe.cpuMsPer1000ByNode(a, b, 100).get(1)));
        assertEquals(-1, a.leader());
        SystemUnderTest.Counters leads = new SystemUnderTest.Counters(0, 0, 0, 0, true, true);
        assertEquals(2, new Compare.Probe(Arrays.asList(c(0, 0, 0), null, leads), Arrays.asList(0L, 0L, 0L)).leader());
    }
}
