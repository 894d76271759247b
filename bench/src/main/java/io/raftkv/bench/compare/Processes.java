package io.raftkv.bench.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Signalling server processes by pid. A pid is only trusted while the process's command line names the
 * cluster's own directory (a unique temporary path), so a recycled pid never gets a signal meant for a
 * node of ours.
 */
final class Processes {
    private Processes() {
    }

    /** The live process {@code pid} if its command line contains {@code marker}. */
    static Optional<ProcessHandle> ours(long pid, String marker) {
        if (pid <= 0) {
            return Optional.empty();
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (h.isEmpty() || state(pid) == 'Z') {
            return Optional.empty();
        }
        return commandLine(pid).filter(c -> c.contains(marker)).flatMap(c -> h);
    }

    /**
     * SIGKILL and wait until the kernel has let go of it.
     *
     * @return {@link System#nanoTime()} right after the signal was sent, or when nothing was running
     */
    static long kill(long pid, String marker, Duration timeout) {
        Optional<ProcessHandle> h = ours(pid, marker);
        if (h.isEmpty()) {
            return System.nanoTime();
        }
        h.get().destroyForcibly();
        long sent = System.nanoTime();
        Poll.until(timeout, "exit of pid " + pid + " after SIGKILL",
                () -> ours(pid, marker).isEmpty() ? Poll.done(true) : Poll.notYet("still running"));
        return sent;
    }

    /**
     * Every process whose command line contains {@code marker}: the safety net at cleanup for nodes started
     * by a CLI command that was interrupted before it could tell us their pids.
     */
    static List<Long> withMarker(String marker) {
        List<Long> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                if (pid != self && commandLine(pid).map(c -> c.contains(marker)).orElse(false)) {
                    out.add(pid);
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to find
        }
        return out;
    }

    static Optional<String> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return raw.length == 0 ? Optional.empty() : Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static char state(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            int close = s.lastIndexOf(')');
            return close >= 0 && close + 2 < s.length() ? s.charAt(close + 2) : '?';
        } catch (IOException e) {
            return '?';
        }
    }
}
