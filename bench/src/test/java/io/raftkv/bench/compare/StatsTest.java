package io.raftkv.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void rangeAndMedianIgnoreMissingValues() {
        assertEquals(new Stats.Range(1, 3, 7, 3), Stats.range(List.of(7.0, 1.0, 3.0)));
        assertEquals(new Stats.Range(1, 2.5, 7, 4), Stats.range(List.of(7.0, 1.0, 3.0, 2.0)));
        assertEquals(new Stats.Range(2, 2, 2, 1), Stats.range(Arrays.asList(Double.NaN, 2.0, null)));
        assertTrue(Stats.range(List.of(Double.NaN)).empty());
        assertTrue(Double.isNaN(Stats.range(List.of()).median()));
    }

    @Test
    void ratiosOfNothingAreNotInfinite() {
        assertEquals(0.5, Stats.ratio(1, 2));
        assertTrue(Double.isNaN(Stats.ratio(1, 0)));
        assertTrue(Double.isNaN(Stats.ratio(Double.NaN, 2)));
    }

    @Test
    void ratiosAreOfTheMediansOverRounds() {
        Cell put = new Cell(Cell.Workload.PUT, 64);
        List<Result> rs = List.of(
                Fixtures.result("raftkv", 1, put, 1000, 1.0, java.util.Map.of()),
                Fixtures.result("raftkv", 2, put, 3000, 2.0, java.util.Map.of()),
                Fixtures.result("raftkv", 3, put, 2000, 3.0, java.util.Map.of()),
                Fixtures.result("etcd", 1, put, 4000, 1.0, java.util.Map.of()),
                Fixtures.result("etcd", 2, put, 4000, 1.5, java.util.Map.of()));
        Summary.Ratios r = Summary.ratios(Summary.of(put, "raftkv", rs), Summary.of(put, "etcd", rs));
        assertEquals(0.5, r.opsPerSecond(), 1e-9);
        assertEquals(2.0 / 1.25, r.p50Ms(), 1e-9);
        assertEquals(1.0, r.entriesPerFsync(), 1e-9);
        assertEquals(1.0, r.maxRssMiB(), 1e-9);
    }
}
