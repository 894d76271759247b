package io.raftkv.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The comparison chart as a self-contained SVG, written by hand (a chart library would outweigh the
 * benchmark): left, put throughput against the number of clients (each round a dot, the median a line);
 * right, p50 / p99 / p99.9 latency of every cell as bars on a log scale (median over rounds).
 */
final class Svg {
    static final int WIDTH = 1120;
    static final int HEIGHT = 480;
    private static final String[] BLUES = {"#9ecae1", "#4292c6", "#08519c"};
    private static final String[] ORANGES = {"#fdae6b", "#f16913", "#a63603"};
    private static final String[] PERCENTILES = {"p50", "p99", "p99.9"};

    private final StringBuilder b = new StringBuilder();

    private Svg() {
    }

    static String chart(List<Cell> cells, List<String> systems, List<Result> results, List<Summary> summaries,
                        String subtitle) {
        Svg s = new Svg();
        s.b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        s.b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.text(WIDTH / 2.0, 22, "middle", 16, "bold", String.join(" vs ", systems) + ": closed-loop comparison");
        s.text(WIDTH / 2.0, 40, "middle", 11, "normal", subtitle);
        s.throughput(systems, results, 70, 80, 420, 330);
        s.latency(cells, systems, summaries, 590, 80, 510, 330);
        s.b.append("</svg>\n");
        return s.b.toString();
    }

    private static String color(String system, List<String> systems, int shade) {
        return (systems.indexOf(system) == 0 ? BLUES : ORANGES)[shade];
    }

    /** Left panel: x = log2(clients), y = ops/s from 0. */
    private void throughput(List<String> systems, List<Result> results, double x0, double y0, double w, double h) {
        text(x0 + w / 2, y0 - 14, "middle", 13, "bold", "put: throughput vs clients");
        List<Result> puts = results.stream().filter(r -> r.cell().workload() == Cell.Workload.PUT).toList();
        if (puts.isEmpty()) {
            text(x0 + w / 2, y0 + h / 2, "middle", 12, "normal", "(no put cells in this run)");
            return;
        }
        TreeSet<Integer> clients = new TreeSet<>();
        puts.forEach(r -> clients.add(r.cell().clients()));
        double maxOps = puts.stream().mapToDouble(Result::opsPerSecond).max().orElse(1);
        double top = niceCeiling(maxOps);
        double lo = log2(clients.first());
        double hi = Math.max(lo + 1, log2(clients.last()));
        java.util.function.DoubleUnaryOperator xOf = c -> x0 + 20 + (log2(c) - lo) / (hi - lo) * (w - 40);
        java.util.function.DoubleUnaryOperator yOf = v -> y0 + h - v / top * h;
        for (int i = 0; i <= 5; i++) {
            double v = top * i / 5;
            line(x0, yOf.applyAsDouble(v), x0 + w, yOf.applyAsDouble(v), "#e0e0e0");
            text(x0 - 6, yOf.applyAsDouble(v) + 4, "end", 11, "normal", Units.count(v));
        }
        line(x0, y0 + h, x0 + w, y0 + h, "#333");
        line(x0, y0, x0, y0 + h, "#333");
        for (int c : clients) {
            text(xOf.applyAsDouble(c), y0 + h + 16, "middle", 11, "normal", Integer.toString(c));
        }
        text(x0 + w / 2, y0 + h + 34, "middle", 11, "normal", "clients (threads sharing one client object)");
        text(x0 - 52, y0 + h / 2, "middle", 11, "normal", "ops/s", -90);
        for (String sys : systems) {
            StringBuilder pts = new StringBuilder();
            for (int c : clients) {
                List<Double> v = puts.stream().filter(r -> r.system().equals(sys) && r.cell().clients() == c)
                        .map(Result::opsPerSecond).toList();
                for (double ops : v) {
                    b.append(String.format(Locale.ROOT, "<circle class=\"round\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\" "
                            + "fill-opacity=\"0.45\"/>%n", xOf.applyAsDouble(c), yOf.applyAsDouble(ops), color(sys, systems, 1)));
                }
                Stats.Range r = Stats.range(v);
                if (!r.empty()) {
                    pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", xOf.applyAsDouble(c), yOf.applyAsDouble(r.median())));
                }
            }
            b.append(String.format(Locale.ROOT, "<polyline class=\"median\" points=\"%s\" fill=\"none\" stroke=\"%s\" "
                    + "stroke-width=\"2.5\"/>%n", pts.toString().trim(), color(sys, systems, 2)));
        }
        for (int i = 0; i < systems.size(); i++) {
            double lx = x0 + 14;
            double ly = y0 + 12 + i * 18;
            line(lx, ly, lx + 22, ly, color(systems.get(i), systems, 2), 2.5);
            text(lx + 28, ly + 4, "start", 12, "normal", systems.get(i) + " (line: median, dots: rounds)");
        }
    }

    /** Right panel: per cell, per system, three bars (p50, p99, p99.9) on a log scale. */
    private void latency(List<Cell> cells, List<String> systems, List<Summary> summaries, double x0, double y0,
                         double w, double h) {
        text(x0 + w / 2, y0 - 14, "middle", 13, "bold", "latency percentiles (ms, log scale, median over rounds)");
        List<Double> all = new ArrayList<>();
        for (Summary s : summaries) {
            for (Stats.Range r : List.of(s.p50Ms(), s.p99Ms(), s.p999Ms())) {
                if (!r.empty() && r.median() > 0) {
                    all.add(r.median());
                }
            }
        }
        if (all.isEmpty()) {
            text(x0 + w / 2, y0 + h / 2, "middle", 12, "normal", "(no latencies recorded)");
            return;
        }
        double lo = Math.pow(10, Math.floor(Math.log10(all.stream().mapToDouble(d -> d).min().orElse(0.1))));
        double hi = Math.pow(10, Math.ceil(Math.log10(all.stream().mapToDouble(d -> d).max().orElse(1))));
        if (hi <= lo) {
            hi = lo * 10;
        }
        final double logLo = Math.log10(lo);
        final double span = Math.log10(hi) - logLo;
        java.util.function.DoubleUnaryOperator yOf = v -> y0 + h - (Math.log10(v) - logLo) / span * h;
        for (double v = lo; v <= hi * 1.0001; v *= 10) {
            line(x0, yOf.applyAsDouble(v), x0 + w, yOf.applyAsDouble(v), "#e0e0e0");
            text(x0 - 6, yOf.applyAsDouble(v) + 4, "end", 11, "normal",
                    java.math.BigDecimal.valueOf(v).round(new java.math.MathContext(1)).stripTrailingZeros().toPlainString());
        }
        line(x0, y0 + h, x0 + w, y0 + h, "#333");
        line(x0, y0, x0, y0 + h, "#333");
        double group = w / cells.size();
        double bar = Math.min(10, (group - 10) / (3 * systems.size() + 1));
        for (int ci = 0; ci < cells.size(); ci++) {
            Cell c = cells.get(ci);
            double gx = x0 + ci * group + (group - bar * (3 * systems.size() + 1)) / 2;
            for (int si = 0; si < systems.size(); si++) {
                Optional<Summary> s = Summary.find(summaries, c, systems.get(si));
                if (s.isEmpty()) {
                    continue;
                }
                Stats.Range[] ranges = {s.get().p50Ms(), s.get().p99Ms(), s.get().p999Ms()};
                for (int p = 0; p < 3; p++) {
                    if (ranges[p].empty() || ranges[p].median() <= 0) {
                        continue;
                    }
                    double x = gx + (si * 3 + p + (si > 0 ? 1 : 0)) * bar;
                    double y = Math.min(y0 + h, yOf.applyAsDouble(Math.max(lo, ranges[p].median())));
                    b.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                                    + "fill=\"%s\"><title>%s %s %s: %s ms</title></rect>%n", x, y, bar - 1, y0 + h - y,
                            color(systems.get(si), systems, p), escape(c.name()), systems.get(si), PERCENTILES[p],
                            Units.ms(ranges[p].median())));
                }
            }
            text(x0 + ci * group + group / 2, y0 + h + 16, "middle", 11, "normal", c.name());
        }
        // Legend under the cell names, where no bar can be.
        double lx = x0;
        for (int si = 0; si < systems.size(); si++) {
            for (int p = 0; p < 3; p++) {
                double ly = y0 + h + 32;
                b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>%n",
                        lx, ly, color(systems.get(si), systems, p)));
                text(lx + 14, ly + 9, "start", 11, "normal", systems.get(si) + " " + PERCENTILES[p]);
                lx += 84;
            }
        }
    }

    private void line(double x1, double y1, double x2, double y2, String stroke) {
        line(x1, y1, x2, y2, stroke, 1);
    }

    private void line(double x1, double y1, double x2, double y2, String stroke, double width) {
        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                + "stroke-width=\"%.1f\"/>%n", x1, y1, x2, y2, stroke, width));
    }

    private void text(double x, double y, String anchor, int size, String weight, String s) {
        text(x, y, anchor, size, weight, s, 0);
    }

    private void text(double x, double y, String anchor, int size, String weight, String s, int rotate) {
        String transform = rotate == 0 ? "" : String.format(Locale.ROOT, " transform=\"rotate(%d %.1f %.1f)\"", rotate, x, y);
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\" "
                + "font-weight=\"%s\"%s>%s</text>%n", x, y, anchor, size, weight, transform, escape(s)));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    /** The next "round" number at or above v: 1, 2, 2.5 or 5 times a power of ten. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
