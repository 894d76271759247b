package io.raftkv.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * One system in one cell, over all rounds: the range of each number and its median.
 *
 * @param errorKinds errors of the measured periods summed over rounds, by kind
 */
record Summary(Cell cell, String system, int rounds, Stats.Range opsPerSecond, Stats.Range p50Ms, Stats.Range p99Ms,
               Stats.Range p999Ms, Map<String, Long> errorKinds, Stats.Range leaderChanges, Stats.Range cpuMsPer1000,
               Stats.Range maxRssMiB, Stats.Range entriesPerFsync) {

    /** raftkv / etcd of the medians: above 1 means raftkv has more of it (better for ops/s, worse for the rest). */
    record Ratios(Cell cell, double opsPerSecond, double p50Ms, double p99Ms, double p999Ms, double cpuMsPer1000,
                  double maxRssMiB, double entriesPerFsync) {
    }

    long errors() {
        return errorKinds.values().stream().mapToLong(Long::longValue).sum();
    }

    static Summary of(Cell cell, String system, List<Result> all) {
        List<Result> rs = all.stream().filter(r -> r.cell().equals(cell) && r.system().equals(system)).toList();
        Map<String, Long> errors = new TreeMap<>();
        rs.forEach(r -> r.errors().forEach((k, v) -> errors.merge(k, v, Long::sum)));
        return new Summary(cell, system, rs.size(), range(rs, Result::opsPerSecond), range(rs, Result::p50Ms),
                range(rs, Result::p99Ms), range(rs, Result::p999Ms), errors, range(rs, r -> r.leaderChanges()),
                range(rs, Result::cpuMsPer1000), range(rs, r -> r.maxRssMiB() == 0 ? Double.NaN : r.maxRssMiB()),
                range(rs, Result::entriesPerFsync));
    }

    private static Stats.Range range(List<Result> rs, ToDoubleFunction<Result> f) {
        List<Double> v = new ArrayList<>();
        rs.forEach(r -> v.add(f.applyAsDouble(r)));
        return Stats.range(v);
    }

    static Ratios ratios(Summary a, Summary b) {
        return new Ratios(a.cell(), Stats.ratio(a.opsPerSecond.median(), b.opsPerSecond.median()),
                Stats.ratio(a.p50Ms.median(), b.p50Ms.median()), Stats.ratio(a.p99Ms.median(), b.p99Ms.median()),
                Stats.ratio(a.p999Ms.median(), b.p999Ms.median()),
                Stats.ratio(a.cpuMsPer1000.median(), b.cpuMsPer1000.median()),
                Stats.ratio(a.maxRssMiB.median(), b.maxRssMiB.median()),
                Stats.ratio(a.entriesPerFsync.median(), b.entriesPerFsync.median()));
    }

    /** Every cell that has results, for each system, in the order given. */
    static List<Summary> all(List<Cell> cells, List<String> systems, List<Result> results) {
        List<Summary> out = new ArrayList<>();
        for (Cell c : cells) {
            for (String s : systems) {
                Summary sum = of(c, s, results);
                if (sum.rounds() > 0) {
                    out.add(sum);
                }
            }
        }
        return out;
    }

    static Optional<Summary> find(List<Summary> all, Cell cell, String system) {
        return all.stream().filter(s -> s.cell().equals(cell) && s.system().equals(system)).findFirst();
    }
}
