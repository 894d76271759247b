package io.raftkv.bench.compare;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/** Summaries over rounds: the range a number moved in, and its median (what the ratios compare). */
final class Stats {
    private Stats() {
    }

    /**
     * min, median, max of the values that are numbers (NaN ignored); all NaN with none.
     *
     * @param n how many values were numbers
     */
    record Range(double min, double median, double max, int n) {
        boolean empty() {
            return n == 0;
        }
    }

    static Range range(Collection<Double> values) {
        List<Double> v = new ArrayList<>();
        for (Double d : values) {
            if (d != null && !Double.isNaN(d)) {
                v.add(d);
            }
        }
        if (v.isEmpty()) {
            return new Range(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        Collections.sort(v);
        return new Range(v.get(0), median(v), v.get(v.size() - 1), v.size());
    }

    /** The middle value of sorted {@code v}, the mean of the two middle ones for an even count. */
    private static double median(List<Double> v) {
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /** a / b; NaN when either is missing or b is 0 (no ratio, rather than an infinite one). */
    static double ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return Double.NaN;
        }
        return a / b;
    }
}
