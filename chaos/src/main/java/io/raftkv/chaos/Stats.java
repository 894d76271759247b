package io.raftkv.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Figures about a run computed from its history and fault windows. */
final class Stats {
    /** Latency percentiles of OK operations, in milliseconds (NaN without any). */
    record Latency(int count, double p50, double p99, double max) {
    }

    /**
     * Availability: of the operations that asked the right node (NOT_LEADER redirects are routing, not
     * unavailability), the share that succeeded.
     */
    record Availability(int attempted, int ok) {
        double ratio() {
            return attempted == 0 ? Double.NaN : (double) ok / attempted;
        }
    }

    /** A fault window with what clients saw during it and how long the cluster took to recover after it. */
    record WindowStats(FaultWindow window, Availability availability, Double recoveryMillis) {
    }

    private Stats() {
    }

    /** Counts by function and outcome: {"write": {"ok": 10, "info": 2}, ...}. */
    static Map<String, Map<String, Integer>> counts(List<Op> ops) {
        Map<String, Map<String, Integer>> out = new TreeMap<>();
        for (Op op : ops) {
            out.computeIfAbsent(op.call().fn(), k -> new TreeMap<>()).merge(op.outcome().label(), 1, Integer::sum);
        }
        return out;
    }

    static Latency latency(List<Op> ops) {
        double[] ms = ops.stream().filter(o -> o.outcome() == Outcome.OK).mapToDouble(o -> o.latencyNanos() / 1e6).sorted()
                .toArray();
        if (ms.length == 0) {
            return new Latency(0, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Latency(ms.length, percentile(ms, 0.50), percentile(ms, 0.99), ms[ms.length - 1]);
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static Map<String, Latency> latencyByFn(List<Op> ops) {
        Map<String, List<Op>> by = new TreeMap<>();
        ops.forEach(o -> by.computeIfAbsent(o.call().fn(), k -> new ArrayList<>()).add(o));
        Map<String, Latency> out = new TreeMap<>();
        by.forEach((fn, list) -> out.put(fn, latency(list)));
        return out;
    }

    private static boolean redirected(Op op) {
        return op.error().contains("NOT_LEADER");
    }

    /** The final reads after healing are checks, not load: they say nothing about availability under faults. */
    private static boolean finalRead(Op op) {
        return op.call() instanceof Call.ReadAll || op.call() instanceof Call.ReadTokens;
    }

    /** Availability of operations invoked inside ({@code inside = true}) or outside every window. */
    static Availability availability(List<Op> ops, List<FaultWindow> windows, boolean inside) {
        int attempted = 0;
        int ok = 0;
        for (Op op : ops) {
            if (redirected(op) || finalRead(op)) {
                continue;
            }
            boolean in = windows.stream().anyMatch(w -> w.covers(op.invokeNanos()));
            if (in == inside) {
                attempted++;
                ok += op.outcome() == Outcome.OK ? 1 : 0;
            }
        }
        return new Availability(attempted, ok);
    }

    static List<WindowStats> windows(List<Op> ops, List<FaultWindow> windows) {
        List<WindowStats> out = new ArrayList<>();
        for (FaultWindow w : windows) {
            int attempted = 0;
            int ok = 0;
            for (Op op : ops) {
                if (!redirected(op) && !finalRead(op) && w.covers(op.invokeNanos())) {
                    attempted++;
                    ok += op.outcome() == Outcome.OK ? 1 : 0;
                }
            }
            out.add(new WindowStats(w, new Availability(attempted, ok), recoveryMillis(ops, w.endNanos())));
        }
        return out;
    }

    /**
     * Time from {@code healNanos} until the first write (or CAS, or add) invoked after it was
     * acknowledged: how long clients waited for the cluster to take writes again. Null if none was.
     */
    static Double recoveryMillis(List<Op> ops, long healNanos) {
        long first = Long.MAX_VALUE;
        for (Op op : ops) {
            if (op.call().mutates() && op.outcome() == Outcome.OK && op.invokeNanos() >= healNanos) {
                first = Math.min(first, op.completeNanos());
            }
        }
        return first == Long.MAX_VALUE ? null : (first - healNanos) / 1e6;
    }

    static double[] sortedLatencies(List<Op> ops) {
        double[] ms = ops.stream().filter(o -> o.outcome() == Outcome.OK).mapToDouble(o -> o.latencyNanos() / 1e6).toArray();
        Arrays.sort(ms);
        return ms;
    }
}
