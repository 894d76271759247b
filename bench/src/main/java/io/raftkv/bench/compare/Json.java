package io.raftkv.bench.compare;

import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON writer over plain values: {@code Map} (object, keys in insertion order), {@code Collection}
 * (array), {@code String}, {@code Number}, {@code Boolean} and {@code null}. A number that is not finite
 * (a ratio or percentile with no data) is written as {@code null}, which JSON can represent.
 */
final class Json {
    private Json() {
    }

    static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, 0);
        return b.append('\n').toString();
    }

    private static void write(StringBuilder b, Object v, int indent) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String s) {
            string(b, s);
        } else if (v instanceof Boolean bool) {
            b.append(bool);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                b.append("null");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                b.append((long) d);
            } else {
                b.append(Double.toString(Math.round(d * 1e6) / 1e6));
            }
        } else if (v instanceof Number n) {
            b.append(n.longValue());
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            b.append("{\n");
            Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                pad(b, indent + 1);
                string(b, String.valueOf(e.getKey()));
                b.append(": ");
                write(b, e.getValue(), indent + 1);
                b.append(it.hasNext() ? ",\n" : "\n");
            }
            pad(b, indent);
            b.append('}');
        } else if (v instanceof Collection<?> c) {
            if (c.isEmpty()) {
                b.append("[]");
                return;
            }
            boolean flat = c.stream().allMatch(x -> x == null || x instanceof Number || x instanceof Boolean);
            b.append(flat ? "[" : "[\n");
            Iterator<?> it = c.iterator();
            while (it.hasNext()) {
                if (!flat) {
                    pad(b, indent + 1);
                }
                write(b, it.next(), indent + 1);
                if (it.hasNext()) {
                    b.append(flat ? ", " : ",\n");
                }
            }
            if (!flat) {
                b.append('\n');
                pad(b, indent);
            }
            b.append(']');
        } else {
            string(b, v.toString());
        }
    }

    private static void pad(StringBuilder b, int indent) {
        b.append("  ".repeat(indent));
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** An object under construction: {@code Json.object().put("a", 1).put("b", list)}. */
    static final class Obj extends LinkedHashMap<String, Object> {
        private static final long serialVersionUID = 1L;

        Obj with(String key, Object value) {
            put(key, value);
            return this;
        }
    }

    static Obj object() {
        return new Obj();
    }

    /** A range as {"min", "median", "max"}. */
    static Obj range(Stats.Range r) {
        return object().with("min", r.min()).with("median", r.median()).with("max", r.max());
    }

    static Obj result(Result r) {
        return object().with("system", r.system()).with("round", r.round()).with("cell", r.cell().name())
                .with("workload", r.cell().workload().label).with("clients", r.cell().clients())
                .with("seconds", r.seconds()).with("ops", r.ops()).with("opsPerSecond", r.opsPerSecond())
                .with("latencyMs", object().with("p50", r.p50Ms()).with("p99", r.p99Ms()).with("p99.9", r.p999Ms())
                        .with("max", r.maxMs()))
                .with("errors", r.errors()).with("warmupErrors", r.warmupErrors())
                .with("leaderChanges", r.leaderChanges()).with("serverCpuMsPer1000Ops", r.cpuMsPer1000())
                .with("leaderNode", r.leaderNode()).with("serverCpuMsPer1000OpsByNode", r.cpuMsPer1000ByNode())
                .with("rssMiBPerNode", r.rssMiB()).with("entriesPerFsync", r.entriesPerFsync());
    }

    static Obj summary(Summary s) {
        return object().with("cell", s.cell().name()).with("system", s.system()).with("rounds", s.rounds())
                .with("opsPerSecond", range(s.opsPerSecond())).with("p50Ms", range(s.p50Ms()))
                .with("p99Ms", range(s.p99Ms())).with("p999Ms", range(s.p999Ms())).with("errors", s.errorKinds())
                .with("leaderChanges", range(s.leaderChanges())).with("serverCpuMsPer1000Ops", range(s.cpuMsPer1000()))
                .with("maxRssMiB", range(s.maxRssMiB())).with("entriesPerFsync", range(s.entriesPerFsync()));
    }

    static Obj ratios(Summary.Ratios r) {
        return object().with("cell", r.cell().name()).with("opsPerSecond", r.opsPerSecond()).with("p50Ms", r.p50Ms())
                .with("p99Ms", r.p99Ms()).with("p999Ms", r.p999Ms()).with("serverCpuMsPer1000Ops", r.cpuMsPer1000())
                .with("maxRssMiB", r.maxRssMiB()).with("entriesPerFsync", r.entriesPerFsync());
    }

    static List<Object> list(Collection<?> c) {
        return List.copyOf(c);
    }
}
