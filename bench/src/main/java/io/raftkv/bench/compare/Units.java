package io.raftkv.bench.compare;

import java.time.Duration;
import java.util.Locale;

/** Parsing and printing durations and numbers the way the rest of the CLI does ({@code 500ms}, {@code 10s}). */
final class Units {
    private Units() {
    }

    /** {@code 250ms}, {@code 10s}, {@code 1.5s}, {@code 2m}; a bare number means seconds. */
    static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofNanos(Math.round(Double.parseDouble(t.substring(0, t.length() - 2)) * 1e6));
            }
            if (t.endsWith("s")) {
                return Duration.ofNanos(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1e9));
            }
            if (t.endsWith("m")) {
                return Duration.ofNanos(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60e9));
            }
            return Duration.ofNanos(Math.round(Double.parseDouble(t) * 1e9));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad duration '" + s + "' (examples: 500ms, 10s, 2m)");
        }
    }

    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }

    /** 12,345 */
    static String count(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    /** Three significant digits, at most two decimals: 0.59, 1.35, 12.3, 245. */
    static String ms(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v < 10) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (v < 100) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    /** A ratio: 0.52, 1.45 */
    static String ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }
}
