package io.raftkv.cli;

import com.google.protobuf.ByteString;
import io.raftkv.client.Compare;
import io.raftkv.client.CompareOp;
import io.raftkv.client.TxnOp;
import java.util.ArrayList;
import java.util.List;

/**
 * etcdctl's transaction syntax: three blocks separated by an empty line, compares, then the operations if
 * they all hold, then the operations otherwise.
 *
 * <pre>
 * value("k") = "v"            version("k") &gt; "3"     mod("k") != "7"     create("k") &lt; "9"
 *
 * put k v                     del k                  del p --prefix      get k     get p --prefix
 * </pre>
 *
 * Keys and values are words or double-quoted strings ({@code \"} and {@code \\} escaped); with {@code --hex}
 * they are hex digits.
 *
 * @param compares  the conditions, all of which must hold
 * @param success   operations when they hold
 * @param failure   operations otherwise
 */
record TxnScript(List<Compare> compares, List<TxnOp> success, List<TxnOp> failure) {

    static TxnScript parse(String text, boolean hex) {
        List<List<String>> blocks = new ArrayList<>(List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
        int block = 0;
        boolean sawLine = false;
        for (String raw : text.split("\\R", -1)) {
            String line = raw.strip();
            if (line.isEmpty()) {
                if (sawLine || block > 0) {
                    block++;
                    sawLine = false;
                }
                if (block > 2) {
                    break;
                }
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            sawLine = true;
            if (block > 2) {
                throw CliException.usage("txn: more than three blocks (compares, success, failure): '" + line + "'");
            }
            blocks.get(block).add(line);
        }
        List<Compare> compares = new ArrayList<>();
        for (String c : blocks.get(0)) {
            compares.add(compare(c, hex));
        }
        return new TxnScript(compares, ops(blocks.get(1), hex), ops(blocks.get(2), hex));
    }

    private static List<TxnOp> ops(List<String> lines, boolean hex) {
        List<TxnOp> out = new ArrayList<>();
        for (String l : lines) {
            out.add(op(l, hex));
        }
        return out;
    }

    /** {@code target("key") op "operand"}. */
    static Compare compare(String line, boolean hex) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open <= 0 || close < open) {
            throw bad(line, "expected TARGET(\"KEY\") OP \"OPERAND\" with TARGET value, version, mod or create");
        }
        String target = line.substring(0, open).strip();
        List<String> key = words(line.substring(open + 1, close), line);
        List<String> rest = words(line.substring(close + 1), line);
        if (key.size() != 1 || rest.size() != 2) {
            throw bad(line, "expected TARGET(\"KEY\") OP \"OPERAND\"");
        }
        ByteString k = Bytes.arg(key.get(0), hex, "key");
        CompareOp op = switch (rest.get(0)) {
            case "=", "==" -> CompareOp.EQUAL;
            case "!=" -> CompareOp.NOT_EQUAL;
            case "<" -> CompareOp.LESS;
            case ">" -> CompareOp.GREATER;
            default -> throw bad(line, "unknown operator '" + rest.get(0) + "' (=, !=, <, >)");
        };
        String operand = rest.get(1);
        return switch (target) {
            case "value", "val" -> Compare.value(k, op, Bytes.arg(operand, hex, "value"));
            case "version", "ver" -> Compare.version(k, op, number(operand, line));
            case "mod" -> Compare.modIndex(k, op, number(operand, line));
            case "create" -> Compare.createIndex(k, op, number(operand, line));
            default -> throw bad(line, "unknown target '" + target + "' (value, version, mod, create)");
        };
    }

    /** {@code put K V}, {@code del K [--prefix]}, {@code get K [--prefix]}. */
    static TxnOp op(String line, boolean hex) {
        List<String> w = words(line, line);
        boolean prefix = w.remove("--prefix");
        String verb = w.isEmpty() ? "" : w.get(0);
        if (verb.equals("put") && w.size() == 3 && !prefix) {
            return TxnOp.put(Bytes.arg(w.get(1), hex, "key"), Bytes.arg(w.get(2), hex, "value"));
        }
        if ((verb.equals("del") || verb.equals("get")) && w.size() == 2) {
            ByteString k = Bytes.arg(w.get(1), hex, "key");
            ByteString end = prefix ? Bytes.prefixEnd(k) : ByteString.EMPTY;
            if (verb.equals("del")) {
                return prefix ? TxnOp.deleteRange(k, end) : TxnOp.delete(k);
            }
            // A single key is the range [k, k + "\0"): exactly k.
            return TxnOp.range(k, prefix ? end : k.concat(ByteString.copyFrom(new byte[] {0})), 0);
        }
        throw bad(line, "expected 'put KEY VALUE', 'get KEY [--prefix]' or 'del KEY [--prefix]'");
    }

    private static long number(String s, String line) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw bad(line, "'" + s + "' is not a number");
        }
    }

    /** Words separated by blanks; a double-quoted word may hold blanks, {@code \"} and {@code \\}. */
    static List<String> words(String s, String line) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                while (i < s.length() && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < s.length()) {
                        i++;
                    }
                    sb.append(s.charAt(i++));
                }
                if (i >= s.length()) {
                    throw bad(line, "unterminated quote");
                }
                i++;
                out.add(sb.toString());
            } else {
                int start = i;
                while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
                    i++;
                }
                out.add(s.substring(start, i));
            }
        }
        return out;
    }

    private static CliException bad(String line, String why) {
        return CliException.usage("txn: '" + line + "': " + why);
    }
}
