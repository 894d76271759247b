package io.raftkv.launcher;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsing of durations ({@code 100ms}, {@code 5s}, {@code 1m}, {@code 2h}) and byte sizes ({@code 4096},
 * {@code 4KiB}, {@code 1MiB}). A unit is mandatory for durations: a bare {@code 100} is ambiguous
 * (ms or s?) and picking one silently is how timeouts end up a thousand times off. The syntax of the server's
 * flags, shared by every command line that writes or reads them (the server, the CLI, the launcher's callers).
 */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})(b|kib|mib|gib|k|m|g)?");

    private Units() {
    }

    public static Duration parseDuration(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (use e.g. 100ms, 5s, 1m)");
        }
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "ms":
                return Duration.ofMillis(n);
            case "s":
                return Duration.ofSeconds(n);
            case "m":
                return Duration.ofMinutes(n);
            default:
                return Duration.ofHours(n);
        }
    }

    public static long parseSize(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (use e.g. 4096, 4KiB, 1MiB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        int shift;
        switch (unit.charAt(0)) {
            case 'k':
                shift = 10;
                break;
            case 'm':
                shift = 20;
                break;
            case 'g':
                shift = 30;
                break;
            default:
                shift = 0;
        }
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return n << shift;
    }

    /** A size that must fit an int (the request limits are ints in {@code ServerConfig.Limits}). */
    public static int parseIntSize(String text) {
        long n = parseSize(text);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("'" + text + "' is too large (at most " + Integer.MAX_VALUE + " bytes)");
        }
        return (int) n;
    }

    /** The inverse of {@link #parseDuration} for messages: the largest unit that is exact. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
