package io.raftkv.chaos;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * report.html: one self-contained page (inline SVG and CSS, no scripts or external files) that opens
 * from a CI artifact or a mail attachment: the verdicts, a timeline of every operation with the fault
 * windows behind it, latency over time, the tables of results.json, and for a violation the operations
 * the checker could not linearize.
 */
final class ReportHtml {
    private static final int WIDTH = 1100;
    private static final int LEFT = 60;
    private static final int MAX_KEYS_SHOWN = 3;

    private ReportHtml() {
    }

    static String render(RunResult r) {
        StringBuilder b = new StringBuilder(1 << 20);
        RunOptions o = r.options();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>raftkv chaos run, seed ")
                .append(o.seed()).append("</title>\n<style>")
                .append("body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}")
                .append("h1{font-size:20px}h2{font-size:16px;margin-top:28px}")
                .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}")
                .append("th{background:#f3f3f3}td.l,th.l{text-align:left}")
                .append(".badge{display:inline-block;padding:4px 10px;border-radius:4px;color:#fff;font-weight:600;margin-right:8px}")
                .append(".VALID{background:#2a9d8f}.INVALID{background:#d62828}.UNKNOWN{background:#e9a23b}")
                .append("code,pre{font:12px ui-monospace,monospace}pre{background:#f7f7f7;padding:8px;overflow-x:auto}")
                .append(".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}")
                .append("</style></head><body>\n");
        b.append("<h1>raftkv chaos run</h1>\n<p>");
        badge(b, "verdict", r.verdict());
        badge(b, "linearizable", r.linearizability().verdict());
        for (SetChecker.Result s : r.sets()) {
            badge(b, "set " + s.set(), s.verdict());
        }
        r.checks().forEach((name, v) -> {
            if (!name.equals("linearizable") && !name.equals("sets_intact")) {
                badge(b, name.replace('_', ' '), v);
            }
        });
        b.append("</p>\n<p>Seed <b>").append(o.seed()).append("</b>, ").append(o.nodes()).append(" nodes, backend ")
                .append(esc(o.backend())).append(", nemeses ").append(esc(String.join(", ",
                        o.nemeses().stream().sorted().map(k -> k.label).toList())))
                .append(o.unsafeLocalReads() ? ", <b>--unsafe-local-reads (negative control)</b>" : "")
                .append(o.library().brokenSessions() ? ", <b>--broken-sessions (negative control)</b>" : "")
                .append(", register client ").append(o.library().registerClient().label())
                .append(". Started ").append(Instant.ofEpochMilli(r.startedEpochMillis())).append(", ")
                .append(r.runMillis() / 1000).append(" s. Replay: <code>").append(esc(o.replayCommand())).append("</code></p>\n");
        if (!r.harnessErrors().isEmpty()) {
            b.append("<h2>Harness problems</h2><ul>");
            r.harnessErrors().forEach(e -> b.append("<li>").append(esc(e)).append("</li>"));
            b.append("</ul>\n");
        }
        summary(b, r);
        long end = 1;
        for (Op op : r.ops()) {
            end = Math.max(end, op.completeNanos());
        }
        for (FaultWindow w : r.windows()) {
            end = Math.max(end, w.endNanos());
        }
        b.append("<h2>Timeline</h2><p class=\"legend\">One row per client process, one bar per operation from invocation to "
                + "completion.<span style=\"background:#2a9d8f\"></span>ok<span style=\"background:#d62828\"></span>fail"
                + "<span style=\"background:#e9a23b\"></span>info (unknown)<span style=\"background:#c8c8c8\"></span>redirected "
                + "(NOT_LEADER). Shaded: fault windows.</p>\n");
        timeline(b, r.ops(), r.windows(), end);
        b.append("<h2>Latency over time</h2><p class=\"legend\">Each dot an operation (x: invocation, y: latency, log "
                + "scale).<span style=\"background:#264653\"></span>read<span style=\"background:#2a9d8f\"></span>write"
                + "<span style=\"background:#8a5cf6\"></span>cas<span style=\"background:#f4a261\"></span>add"
                + "<span style=\"background:#d62828\"></span>failed/unknown<span style=\"background:#c8c8c8\"></span>redirected</p>\n");
        latency(b, r.ops(), r.windows(), end);
        faults(b, r);
        violations(b, r);
        sets(b, r);
        ReportFindings.all(b, r);
        b.append("<h2>Node commands</h2><pre>");
        r.nodeCommands().forEach(c -> b.append(esc(c)).append('\n'));
        b.append("</pre>\n<p>Files: <code>history.jsonl</code> (every invocation and completion), <code>results.json</code>, "
                + "<code>n*/server.log</code>.</p></body></html>\n");
        return b.toString();
    }

    private static void badge(StringBuilder b, String label, Verdict v) {
        String text = v == Verdict.VALID ? "yes" : v == Verdict.INVALID ? "NO" : "unknown";
        if (label.equals("verdict")) {
            text = v == Verdict.VALID ? "PASS" : v == Verdict.INVALID ? "VIOLATION" : "UNDECIDED";
            b.append("<span class=\"badge ").append(v.name()).append("\">").append(text).append("</span>");
            return;
        }
        b.append("<span class=\"badge ").append(v.name()).append("\">").append(esc(label)).append(": ").append(text)
                .append("</span>");
    }

    private static void summary(StringBuilder b, RunResult r) {
        b.append("<h2>Operations</h2><table><tr><th class=\"l\">f</th><th>ok</th><th>fail</th><th>info</th>"
                + "<th>p50 ms</th><th>p99 ms</th></tr>");
        Map<String, Stats.Latency> lat = Stats.latencyByFn(r.ops());
        Stats.counts(r.ops()).forEach((fn, c) -> {
            Stats.Latency l = lat.get(fn);
            b.append("<tr><td class=\"l\">").append(esc(fn)).append("</td><td>").append(c.getOrDefault("ok", 0))
                    .append("</td><td>").append(c.getOrDefault("fail", 0)).append("</td><td>").append(c.getOrDefault("info", 0))
                    .append("</td><td>").append(num(l.p50())).append("</td><td>").append(num(l.p99())).append("</td></tr>");
        });
        Stats.Latency all = Stats.latency(r.ops());
        Stats.Availability in = Stats.availability(r.ops(), r.windows(), true);
        Stats.Availability out = Stats.availability(r.ops(), r.windows(), false);
        b.append("</table>\n<p>").append(r.ops().size()).append(" operations; ok latency p50 ").append(num(all.p50()))
                .append(" ms, p99 ").append(num(all.p99())).append(" ms. Availability (ok share of operations sent to a "
                        + "node that did not redirect): during faults ").append(pct(in.ratio())).append(" of ")
                .append(in.attempted()).append(", outside ").append(pct(out.ratio())).append(" of ").append(out.attempted())
                .append(". First acknowledged write after the final heal: ").append(num(r.finalRecoveryMillis()))
                .append(" ms. Linearizability checked over ").append(r.linearizability().keys()).append(" keys, ")
                .append(r.linearizability().operations()).append(" operations in ").append(r.linearizability().elapsedMillis())
                .append(" ms.</p>\n");
    }

    /** Redirects are how clients find the leader, not failures of the system: drawn grey, not red. */
    private static boolean redirect(Op op) {
        return op.outcome() == Outcome.FAIL && op.error().contains("NOT_LEADER");
    }

    private static String color(Op op) {
        if (redirect(op)) {
            return "#c8c8c8";
        }
        switch (op.outcome()) {
            case OK:
                return "#2a9d8f";
            case FAIL:
                return "#d62828";
            default:
                return "#e9a23b";
        }
    }

    private static String faultColor(FaultKind k) {
        switch (k.group) {
            case "partition":
                return "#8a5cf6";
            case "kill":
                return "#d62828";
            case "pause":
                return "#3a86ff";
            case "restart":
                return "#2a6f97";
            case "membership":
                return "#2b9348";
            default:
                return "#e9a23b";
        }
    }

    private static double x(long nanos, long end) {
        return LEFT + (WIDTH - LEFT - 10) * (double) nanos / end;
    }

    private static void windowsBehind(StringBuilder b, List<FaultWindow> windows, long end, int top, int height) {
        for (FaultWindow w : windows) {
            double x0 = x(w.startNanos(), end);
            double x1 = Math.max(x0 + 1, x(w.endNanos(), end));
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
                    + "fill-opacity=\"0.13\"><title>%s</title></rect>", x0, top, x1 - x0, height, faultColor(w.kind()),
                    esc(w.kind().label + ": " + w.description())));
            // Labels alternate between two rows, so short neighbouring windows do not print over each other.
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"%s\">%s</text>", x0 + 2,
                    top + 10 + (w.index() % 2) * 11, faultColor(w.kind()), esc(w.kind().label)));
        }
    }

    private static void timeAxis(StringBuilder b, long end, int y) {
        double seconds = end / 1e9;
        double step = seconds > 120 ? 20 : seconds > 60 ? 10 : seconds > 20 ? 5 : 1;
        for (double s = 0; s <= seconds; s += step) {
            double xx = x((long) (s * 1e9), end);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%.0fs</text>", xx, y, xx, y + 4, xx,
                    y + 15, s));
        }
    }

    private static void timeline(StringBuilder b, List<Op> ops, List<FaultWindow> windows, long end) {
        Map<Integer, Integer> lane = new HashMap<>();
        for (Op op : ops) {
            lane.putIfAbsent(op.process(), lane.size());
        }
        int lanes = Math.max(1, lane.size());
        double laneHeight = Math.max(2, Math.min(10, 500.0 / lanes));
        int height = (int) Math.ceil(lanes * laneHeight) + 20;
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(height + 20)
                .append("\">");
        windowsBehind(b, windows, end, 0, height);
        for (Op op : ops) {
            double x0 = x(op.invokeNanos(), end);
            double x1 = Math.max(x0 + 1, x(op.completeNanos(), end));
            double y = 15 + lane.get(op.process()) * laneHeight;
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                    + "<title>%s</title></rect>", x0, y, x1 - x0, Math.max(1, laneHeight - 1), color(op), esc(op.describe()
                    + (op.error().isEmpty() ? "" : " (" + op.error() + ")"))));
        }
        timeAxis(b, end, height);
        b.append("<text x=\"4\" y=\"12\" font-size=\"10\">process</text></svg>\n");
    }

    private static String fnColor(Op op) {
        if (redirect(op)) {
            return "#c8c8c8";
        }
        if (op.outcome() != Outcome.OK) {
            return "#d62828";
        }
        switch (op.call().fn()) {
            case "read":
                return "#264653";
            case "write":
                return "#2a9d8f";
            case "cas":
                return "#8a5cf6";
            default:
                return "#f4a261";
        }
    }

    private static void latency(StringBuilder b, List<Op> ops, List<FaultWindow> windows, long end) {
        int height = 260;
        int top = 10;
        int bottom = height - 10;
        double lo = -1;   // 0.1 ms
        double hi = 4;    // 10 s
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(height + 20)
                .append("\">");
        windowsBehind(b, windows, end, top, bottom - top);
        for (int e = (int) lo; e <= hi; e++) {
            double y = bottom - (bottom - top) * (e - lo) / (hi - lo);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>", LEFT, y, WIDTH - 10, y,
                    LEFT - 4, y + 3, e < 0 ? "0.1ms" : e < 3 ? (int) Math.pow(10, e) + "ms" : (int) Math.pow(10, e - 3) + "s"));
        }
        for (Op op : ops) {
            double ms = Math.max(0.1, op.latencyNanos() / 1e6);
            double y = bottom - (bottom - top) * (Math.min(hi, Math.log10(ms)) - lo) / (hi - lo);
            b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\" fill=\"%s\" fill-opacity=\"0.6\"/>",
                    x(op.invokeNanos(), end), y, fnColor(op)));
        }
        timeAxis(b, end, bottom);
        b.append("</svg>\n");
    }

    private static void faults(StringBuilder b, RunResult r) {
        b.append("<h2>Faults</h2>");
        if (r.windows().isEmpty()) {
            b.append("<p>None.</p>\n");
            return;
        }
        b.append("<table><tr><th>#</th><th class=\"l\">fault</th><th class=\"l\">what</th><th>from s</th><th>to s</th>"
                + "<th>availability</th><th>recovery after heal ms</th></tr>");
        for (Stats.WindowStats w : Stats.windows(r.ops(), r.windows())) {
            FaultWindow f = w.window();
            b.append("<tr><td>").append(f.index()).append("</td><td class=\"l\">").append(esc(f.kind().label))
                    .append("</td><td class=\"l\">").append(esc(f.description())).append("</td><td>")
                    .append(num(f.startNanos() / 1e9)).append("</td><td>").append(num(f.endNanos() / 1e9)).append("</td><td>")
                    .append(pct(w.availability().ratio())).append(" of ").append(w.availability().attempted()).append("</td><td>")
                    .append(num(w.recoveryMillis())).append("</td></tr>");
        }
        b.append("</table>\n");
    }

    private static void violations(StringBuilder b, RunResult r) {
        LinearizabilityChecker.Result lin = r.linearizability();
        if (!lin.unknown().isEmpty()) {
            b.append("<h2>Undecided keys</h2><p>The checker ran out of its budget on: ")
                    .append(esc(String.join(", ", lin.unknown().stream().map(LinearizabilityChecker.KeyResult::key).toList())))
                    .append("</p>\n");
        }
        if (lin.invalid().isEmpty()) {
            return;
        }
        b.append("<h2>Linearizability violations</h2><p>").append(lin.invalid().size())
                .append(" key(s) have no linearization. For each: the operations that could not be placed (the ones "
                        + "concurrent at the point where the search got deepest) and the end of the longest linearizable "
                        + "prefix found.</p>\n");
        for (LinearizabilityChecker.KeyResult k : lin.invalid().subList(0, Math.min(MAX_KEYS_SHOWN, lin.invalid().size()))) {
            b.append("<h3>key <code>").append(esc(k.key())).append("</code> (").append(k.operations())
                    .append(" operations)</h3>\n<p>Longest linearizable prefix: ").append(k.longestPrefix().size())
                    .append(" operations, leaving the register at <code>").append(esc(k.stateAfterPrefix()))
                    .append("</code>. Operations that cannot follow it:</p><pre>");
            k.involved().forEach(op -> b.append(esc(op.describe())).append('\n'));
            b.append("</pre><p>End of the prefix:</p><pre>");
            List<Op> p = k.longestPrefix();
            p.subList(Math.max(0, p.size() - 12), p.size()).forEach(op -> b.append(esc(op.describe())).append('\n'));
            b.append("</pre>\n");
            LinkedHashSet<Op> shown = new LinkedHashSet<>(p.subList(Math.max(0, p.size() - 12), p.size()));
            shown.addAll(k.involved());
            miniTimeline(b, new ArrayList<>(shown), k.involved());
        }
    }

    /** The operations around a violation, one row each, the unplaceable ones highlighted. */
    private static void miniTimeline(StringBuilder b, List<Op> ops, List<Op> involved) {
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        for (Op op : ops) {
            from = Math.min(from, op.invokeNanos());
            to = Math.max(to, op.completeNanos());
        }
        long span = Math.max(1, to - from);
        int row = 16;
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(ops.size() * row + 10).append("\">");
        ops.sort(java.util.Comparator.comparingLong(Op::invokeNanos));
        int i = 0;
        for (Op op : ops) {
            double x0 = 10 + 500.0 * (op.invokeNanos() - from) / span;
            double x1 = Math.max(x0 + 2, 10 + 500.0 * (op.completeNanos() - from) / span);
            int y = 5 + i++ * row;
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"520\" y=\"%d\" font-size=\"11\" font-family=\"monospace\"%s>%s</text>", x0, y, x1 - x0, color(op),
                    y + 9, involved.contains(op) ? " font-weight=\"bold\"" : "", esc(op.describe())));
        }
        b.append("</svg>\n");
    }

    private static void sets(StringBuilder b, RunResult r) {
        if (r.sets().isEmpty()) {
            return;
        }
        b.append("<h2>Set workload</h2><table><tr><th class=\"l\">set</th><th>added</th><th>acknowledged</th><th>failed</th>"
                + "<th>unknown</th><th>final size</th><th>lost</th><th>unexpected</th><th>unknown but present</th></tr>");
        for (SetChecker.Result s : r.sets()) {
            b.append("<tr><td class=\"l\">").append(esc(s.set())).append("</td><td>").append(s.attempted()).append("</td><td>")
                    .append(s.acknowledged()).append("</td><td>").append(s.failed()).append("</td><td>").append(s.indeterminate())
                    .append("</td><td>").append(s.finalRead() ? Integer.toString(s.finalSize()) : "no final read")
                    .append("</td><td>").append(s.lost().size()).append("</td><td>").append(s.unexpected().size())
                    .append("</td><td>").append(s.indeterminatePresent().size()).append("</td></tr>");
        }
        b.append("</table>\n");
        for (SetChecker.Result s : r.sets()) {
            if (!s.lost().isEmpty()) {
                b.append("<p>Lost from ").append(esc(s.set())).append(": <code>").append(esc(String.join(" ", s.lost())))
                        .append("</code></p>");
            }
            if (!s.unexpected().isEmpty()) {
                b.append("<p>Unexpected in ").append(esc(s.set())).append(": <code>")
                        .append(esc(String.join(" ", s.unexpected()))).append("</code></p>");
            }
        }
    }

    private static String num(Double d) {
        return d == null || d.isNaN() ? "-" : String.format(Locale.ROOT, d >= 100 ? "%.0f" : "%.1f", d);
    }

    private static String num(double d) {
        return num(Double.valueOf(d));
    }

    private static String pct(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * ratio);
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
