package io.raftkv.bench.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * What the kernel says about a server process: CPU time from {@code /proc/PID/stat} and resident memory
 * from {@code /proc/PID/status}. Read from outside, so both systems are measured the same way whatever
 * they report about themselves. Linux only; elsewhere every reading is empty.
 */
final class ProcStats {
    private static final long TICKS_PER_SECOND = clockTicks();

    private ProcStats() {
    }

    /**
     * utime + stime (fields 14 and 15, in clock ticks) from the text of {@code /proc/PID/stat}. The command
     * name (field 2) is in parentheses and may itself contain spaces and parentheses, so fields are counted
     * from the last ')'.
     */
    static long cpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + abbreviate(stat));
        }
        String[] f = stat.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3].
        if (f.length < 13) {
            throw new IllegalArgumentException("too few fields in /proc/PID/stat: " + abbreviate(stat));
        }
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** VmRSS in KiB from the text of {@code /proc/PID/status}; empty for a kernel thread or zombie (no VmRSS). */
    static OptionalLong rssKib(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                if (parts.length != 2 || !parts[1].equals("kB")) {
                    throw new IllegalArgumentException("unexpected VmRSS line: " + line);
                }
                return OptionalLong.of(Long.parseLong(parts[0]));
            }
        }
        return OptionalLong.empty();
    }

    /** CPU time (user + system) of {@code pid} in milliseconds so far; empty if it is gone. */
    static OptionalLong cpuMillis(long pid) {
        return read(pid, "stat").map(s -> OptionalLong.of(cpuTicks(s) * 1000 / TICKS_PER_SECOND))
                .orElse(OptionalLong.empty());
    }

    /** Resident set size of {@code pid} in KiB; empty if it is gone. */
    static OptionalLong rssKib(long pid) {
        return read(pid, "status").map(ProcStats::rssKib).orElse(OptionalLong.empty());
    }

    private static java.util.Optional<String> read(long pid, String file) {
        if (pid <= 0) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Files.readString(Path.of("/proc", Long.toString(pid), file), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** USER_HZ: 100 on every common Linux build, but ask rather than assume. */
    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                long t = Long.parseLong(out);
                if (t > 0) {
                    return t;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall back to the Linux default below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
