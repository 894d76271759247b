package io.raftkv.chaos;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * history.jsonl: one JSON object per line, one line per event, in time order: an "invoke" for every
 * operation and an "ok", "fail" or "info" for its completion (Jepsen's history format, flattened).
 * Times are nanoseconds since the run started, from one monotonic clock.
 */
final class HistoryJson {
    private HistoryJson() {
    }

    private record Event(long time, int order, Map<String, Object> fields) {
    }

    static void write(Path file, List<Op> ops) throws IOException {
        List<Event> events = new ArrayList<>(2 * ops.size());
        for (Op op : ops) {
            events.add(new Event(op.invokeNanos(), 0, invoke(op)));
            events.add(new Event(op.completeNanos(), 1, completion(op)));
        }
        events.sort(Comparator.comparingLong(Event::time).thenComparingInt(Event::order));
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            int index = 0;
            for (Event e : events) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("index", index++);
                line.putAll(e.fields());
                w.write(Json.write(line));
                w.newLine();
            }
        }
    }

    private static Map<String, Object> common(Op op, String type, long time) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("op", op.id());
        m.put("process", op.process());
        m.put("node", op.node());
        m.put("f", op.call().fn());
        m.put("key", op.call().key());
        m.put("time", time);
        return m;
    }

    static Map<String, Object> invoke(Op op) {
        Map<String, Object> m = common(op, "invoke", op.invokeNanos());
        Call c = op.call();
        if (c instanceof Call.Write w) {
            m.put("value", w.value());
        } else if (c instanceof Call.Cas cas) {
            m.put("expected", cas.expected());
            m.put("value", cas.value());
        } else if (c instanceof Call.Add a) {
            m.put("value", a.element());
        } else if (c instanceof Call.Append a) {
            m.put("value", a.token());
        }
        return m;
    }

    static Map<String, Object> completion(Op op) {
        Map<String, Object> m = common(op, op.outcome().label(), op.completeNanos());
        Reply r = op.reply();
        if (r instanceof Reply.Value v) {
            m.put("value", v.value());
        } else if (r instanceof Reply.CasResult cr) {
            m.put("succeeded", cr.succeeded());
            if (!cr.succeeded()) {
                m.put("observed", cr.observed());
            }
        } else if (r instanceof Reply.Elements e) {
            m.put("value", List.copyOf(new TreeSet<>(e.elements())));
        } else if (r instanceof Reply.Tokens t) {
            m.put("value", t.tokens());
        }
        if (!op.error().isEmpty()) {
            m.put("error", op.error());
        }
        m.put("latency_ms", op.latencyNanos() / 1e6);
        return m;
    }
}
