package io.raftkv.chaos;

import static io.raftkv.chaos.ReportHtml.esc;

/**
 * The report's sections for the checks beyond linearizability and the set: the counters' exactly-once
 * check (with the client-side faults injected), nodes that exited on their own, and what each returning
 * follower's heal window showed.
 */
final class ReportFindings {
    private ReportFindings() {
    }

    static void all(StringBuilder b, RunResult r) {
        checks(b, r);
        counters(b, r);
        exits(b, r);
        returns(b, r);
    }

    private static void checks(StringBuilder b, RunResult r) {
        b.append("<h2>Checks</h2><table><tr><th class=\"l\">property</th><th class=\"l\">verdict</th></tr>");
        r.checks().forEach((name, v) -> b.append("<tr><td class=\"l\">").append(esc(name.replace('_', ' ')))
                .append("</td><td class=\"l\"><span class=\"badge ").append(v.name()).append("\">").append(v.name())
                .append("</span></td></tr>"));
        b.append("</table>\n");
    }

    private static void counters(StringBuilder b, RunResult r) {
        if (r.counters().isEmpty()) {
            return;
        }
        b.append("<h2>Counter workload (exactly-once through client sessions)</h2><p>Each increment appends a unique "
                + "token with a read and a session compare-and-set. Acknowledged tokens must appear once, unknown ones "
                + "at most once, failed ones never.");
        if (r.injected() != null) {
            b.append(" Answers lost after the server applied the request (injected): ").append(r.injected().answersLost())
                    .append("; retries sent outside their session (<b>broken mode</b>, the negative control): ")
                    .append(r.injected().retriesStripped()).append('.');
        }
        b.append("</p><table><tr><th class=\"l\">key</th><th>increments</th><th>acknowledged</th><th>failed</th>"
                + "<th>unknown</th><th>final tokens</th><th>lost</th><th>duplicated</th><th>unexpected</th>"
                + "<th>unknown but present</th></tr>");
        for (CounterChecker.Result c : r.counters()) {
            b.append("<tr><td class=\"l\">").append(esc(c.key())).append("</td><td>").append(c.attempted()).append("</td><td>")
                    .append(c.acknowledged()).append("</td><td>").append(c.failed()).append("</td><td>").append(c.indeterminate())
                    .append("</td><td>").append(c.finalRead() ? Integer.toString(c.finalTokens()) : "no final read")
                    .append("</td><td>").append(c.lost().size()).append("</td><td>").append(c.duplicated().size())
                    .append("</td><td>").append(c.unexpected().size()).append("</td><td>").append(c.indeterminatePresent())
                    .append("</td></tr>");
        }
        b.append("</table>\n");
        for (CounterChecker.Result c : r.counters()) {
            tokens(b, "Lost from", c.key(), c.lost());
            tokens(b, "Duplicated in", c.key(), c.duplicated());
            tokens(b, "Unexpected in", c.key(), c.unexpected());
        }
    }

    private static void tokens(StringBuilder b, String what, String key, java.util.List<String> tokens) {
        if (!tokens.isEmpty()) {
            b.append("<p>").append(what).append(' ').append(esc(key)).append(": <code>")
                    .append(esc(String.join(" ", tokens))).append("</code></p>");
        }
    }

    private static void exits(StringBuilder b, RunResult r) {
        if (r.nodeExits().isEmpty()) {
            return;
        }
        b.append("<h2>Nodes that exited on their own</h2>");
        for (NodeExit e : r.nodeExits()) {
            b.append("<p>Node ").append(e.node()).append(" (").append(esc(e.life())).append("): ").append(esc(e.how()))
                    .append(", noticed ").append(e.seen()).append(".</p><pre>").append(esc(String.join("\n", e.lastLines())))
                    .append("</pre>\n");
        }
    }

    private static void returns(StringBuilder b, RunResult r) {
        if (r.returns().isEmpty()) {
            return;
        }
        b.append("<h2>Returning follower under read load</h2><ul>");
        for (ReturningFollower.Observation o : r.returns()) {
            b.append("<li><span class=\"badge ").append(o.passed() ? "VALID" : "INVALID").append("\">")
                    .append(o.passed() ? "kept" : "FAILED").append("</span>").append(esc(o.describe())).append("</li>");
        }
        b.append("</ul>\n");
    }
}
