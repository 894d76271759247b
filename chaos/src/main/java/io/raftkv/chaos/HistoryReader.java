package io.raftkv.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Reads a history.jsonl back into operations, so a saved run can be checked again (with a bigger budget
 * after an unknown verdict, or by a newer checker). The inverse of {@link HistoryJson}.
 */
final class HistoryReader {
    private HistoryReader() {
    }

    static List<Op> read(Path file) throws IOException {
        Map<Long, Map<String, Object>> invokes = new HashMap<>();
        List<Op> ops = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> e;
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) JsonParser.parse(line);
                e = m;
            } catch (IllegalArgumentException | ClassCastException ex) {
                throw new IOException(file + ":" + lineNo + ": " + ex.getMessage(), ex);
            }
            long id = ((Number) e.get("op")).longValue();
            String type = (String) e.get("type");
            if (type.equals("invoke")) {
                invokes.put(id, e);
                continue;
            }
            Map<String, Object> inv = invokes.remove(id);
            if (inv == null) {
                throw new IOException(file + ":" + lineNo + ": completion of operation " + id + " without its invocation");
            }
            ops.add(op(inv, e));
        }
        if (!invokes.isEmpty()) {
            throw new IOException(file + ": " + invokes.size() + " invocations without completion (a truncated file?)");
        }
        ops.sort(Comparator.comparingInt(Op::id));
        return ops;
    }

    private static Op op(Map<String, Object> inv, Map<String, Object> done) {
        String f = (String) inv.get("f");
        String key = (String) inv.get("key");
        Call call;
        switch (f) {
            case "read" -> call = new Call.Read(key);
            case "write" -> call = new Call.Write(key, (String) inv.get("value"));
            case "cas" -> call = new Call.Cas(key, (String) inv.get("expected"), (String) inv.get("value"));
            case "add" -> call = new Call.Add(key, (String) inv.get("value"));
            case "read-all" -> call = new Call.ReadAll(key);
            case "append" -> call = new Call.Append(key, (String) inv.get("value"));
            case "read-tokens" -> call = new Call.ReadTokens(key);
            default -> throw new IllegalArgumentException("unknown operation '" + f + "'");
        }
        Outcome outcome = Outcome.valueOf(((String) done.get("type")).toUpperCase(java.util.Locale.ROOT));
        Reply reply = null;
        if (outcome == Outcome.OK) {
            if (call instanceof Call.Read) {
                reply = new Reply.Value((String) done.get("value"));
            } else if (call instanceof Call.Cas) {
                boolean ok = (Boolean) done.get("succeeded");
                reply = new Reply.CasResult(ok, ok ? null : (String) done.get("observed"));
            } else if (call instanceof Call.ReadAll) {
                HashSet<String> elements = new HashSet<>();
                for (Object o : (List<?>) done.get("value")) {
                    elements.add((String) o);
                }
                reply = new Reply.Elements(elements);
            } else if (call instanceof Call.ReadTokens) {
                reply = new Reply.Tokens(((List<?>) done.get("value")).stream().map(o -> (String) o).toList());
            } else {
                reply = Reply.DONE;
            }
        }
        return new Op(((Number) inv.get("op")).intValue(), ((Number) inv.get("process")).intValue(),
                ((Number) inv.get("node")).intValue(), call, outcome, reply, ((Number) inv.get("time")).longValue(),
                ((Number) done.get("time")).longValue(), (String) done.getOrDefault("error", ""));
    }
}
