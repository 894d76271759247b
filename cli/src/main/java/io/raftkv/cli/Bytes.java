package io.raftkv.cli;

import com.google.protobuf.ByteString;
import java.util.HexFormat;

/**
 * Keys and values are bytes end to end: given on the command line as UTF-8 text or, with {@code --hex}, as
 * hex; printed as they are ({@code get}), escaped where a line holds several fields (simple output), or as
 * hex with {@code --hex}.
 */
final class Bytes {
    private Bytes() {
    }

    /** An argument as bytes: UTF-8 text, or hex digits (spaces and a 0x prefix allowed) with {@code hex}. */
    static ByteString arg(String text, boolean hex, String what) {
        if (!hex) {
            return ByteString.copyFromUtf8(text);
        }
        String digits = text.replace(" ", "");
        if (digits.startsWith("0x") || digits.startsWith("0X")) {
            digits = digits.substring(2);
        }
        try {
            return ByteString.copyFrom(HexFormat.of().parseHex(digits));
        } catch (IllegalArgumentException e) {
            throw CliException.usage(what + " '" + text + "' is not hex (--hex takes keys and values as hex digits, e.g. fffe)");
        }
    }

    /** Hex digits, lower case. */
    static String hex(ByteString b) {
        return HexFormat.of().formatHex(b.toByteArray());
    }

    /**
     * One field of a line meant for people and awk: valid UTF-8 stays as it is, except backslash, tab,
     * newline, carriage return and other control characters, which become {@code \\ \t \n \r \xNN}; bytes that
     * are not UTF-8 become {@code \xNN}. With {@code hex}, the hex digits. Distinct byte strings never print alike.
     */
    static String field(ByteString b, boolean hex) {
        if (hex) {
            return hex(b);
        }
        if (!b.isValidUtf8()) {
            StringBuilder sb = new StringBuilder();
            for (byte x : b.toByteArray()) {
                int v = x & 0xff;
                if (v >= 0x20 && v < 0x7f && v != '\\') {
                    sb.append((char) v);
                } else {
                    sb.append(String.format("\\x%02x", v));
                }
            }
            return sb.toString();
        }
        String s = b.toStringUtf8();
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (cp < 0x20 || cp == 0x7f) {
                        sb.append(String.format("\\x%02x", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                }
            }
        });
        return sb.toString();
    }

    /** The first key after every key with {@code prefix}: the exclusive end of a prefix range (empty: no end). */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] b = prefix.toByteArray();
        for (int i = b.length - 1; i >= 0; i--) {
            if ((b[i] & 0xff) != 0xff) {
                byte[] end = java.util.Arrays.copyOf(b, i + 1);
                end[i]++;
                return ByteString.copyFrom(end);
            }
        }
        return ByteString.EMPTY;
    }
}
