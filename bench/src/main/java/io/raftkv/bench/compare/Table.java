package io.raftkv.bench.compare;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one table a comparison prints: per cell a row for each system (min–max over rounds) and a row of
 * raftkv/etcd ratios of the medians. Markdown, so it pastes into the README as it is.
 */
final class Table {
    static final List<String> HEADER = List.of("cell", "system", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "errors",
            "leader changes", "server CPU ms / 1k ops", "max node RSS MiB", "entries / fsync");

    private final List<List<String>> rows = new ArrayList<>();

    private Table() {
    }

    /**
     * @param a the system in the numerator of the ratios (raftkv), b the denominator (etcd); null b: one
     *          system, no ratios
     */
    static Table of(List<Cell> cells, String a, String b, List<Summary> summaries) {
        Table t = new Table();
        for (Cell c : cells) {
            Optional<Summary> sa = Summary.find(summaries, c, a);
            Optional<Summary> sb = b == null ? Optional.empty() : Summary.find(summaries, c, b);
            sa.ifPresent(s -> t.rows.add(row(s)));
            sb.ifPresent(s -> t.rows.add(row(s)));
            if (sa.isPresent() && sb.isPresent()) {
                Summary.Ratios r = Summary.ratios(sa.get(), sb.get());
                t.rows.add(List.of(c.name(), a + "/" + b, Units.ratio(r.opsPerSecond()), Units.ratio(r.p50Ms()),
                        Units.ratio(r.p99Ms()), Units.ratio(r.p999Ms()), "", "", Units.ratio(r.cpuMsPer1000()),
                        Units.ratio(r.maxRssMiB()), c.workload().writes() ? Units.ratio(r.entriesPerFsync()) : "-"));
            }
        }
        return t;
    }

    private static List<String> row(Summary s) {
        return List.of(s.cell().name(), s.system(), range(s.opsPerSecond(), Units::count), range(s.p50Ms(), Units::ms),
                range(s.p99Ms(), Units::ms), range(s.p999Ms(), Units::ms), errors(s.errorKinds()),
                range(s.leaderChanges(), Units::count), range(s.cpuMsPer1000(), Units::ms),
                range(s.maxRssMiB(), Units::count),
                // Read cells commit only what a node proposes by itself (raftkv: session expiry): not a batch size.
                s.cell().workload().writes() ? range(s.entriesPerFsync(), Units::ms) : "-");
    }

    /** {@code 5,062–6,782}, or one number when every round agrees (or there was one round). */
    static String range(Stats.Range r, Function<Double, String> fmt) {
        if (r.empty()) {
            return "-";
        }
        String lo = fmt.apply(r.min());
        String hi = fmt.apply(r.max());
        return lo.equals(hi) ? lo : lo + "–" + hi;
    }

    static String errors(Map<String, Long> kinds) {
        long total = kinds.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return "0";
        }
        List<String> parts = new ArrayList<>();
        kinds.forEach((k, v) -> parts.add(k + " " + v));
        return total + " (" + String.join(", ", parts) + ")";
    }

    List<List<String>> rows() {
        return rows;
    }

    void print(PrintStream out) {
        int[] width = new int[HEADER.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = HEADER.get(i).length();
            for (List<String> r : rows) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        out.println(line(HEADER, width));
        List<String> dashes = new ArrayList<>();
        for (int w : width) {
            dashes.add("-".repeat(Math.max(3, w)));
        }
        out.println(line(dashes, width));
        for (List<String> r : rows) {
            out.println(line(r, width));
        }
    }

    private static String line(List<String> cells, int[] width) {
        StringBuilder b = new StringBuilder("|");
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            b.append(' ').append(c).append(" ".repeat(Math.max(0, width[i] - c.length()))).append(" |");
        }
        return b.toString();
    }
}
