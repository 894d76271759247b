package io.raftkv.server.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starting and signalling node processes by pid. Pids come from a file that can outlive the processes
 * (a reboot, a SIGKILL), so every signal first checks that the pid still runs a command naming the node's
 * data directory: {@code local down} must never SIGTERM some unrelated process that reused the pid.
 */
final class NodeProcesses {
    enum State { ALIVE, PAUSED, DEAD }

    private static final String[] SETSID = {"/usr/bin/setsid", "/bin/setsid"};

    private NodeProcesses() {
    }

    /**
     * Starts {@code command} in the background with stdout and stderr appended to {@code log}.
     * Under {@code setsid} when available: the node gets its own session, so a Ctrl-C in the terminal
     * that ran {@code local up} and a closing terminal (SIGHUP) do not take the cluster down with it.
     * setsid execs in place (a child of the JVM is never a process-group leader), so the pid is the JVM's.
     */
    static long start(List<String> command, Path workDir, Path log) {
        List<String> cmd = new ArrayList<>();
        for (String s : SETSID) {
            if (Files.isExecutable(Path.of(s))) {
                cmd.add(s);
                break;
            }
        }
        cmd.addAll(command);
        try {
            Files.createDirectories(workDir);
            Process p = new ProcessBuilder(cmd)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return p.pid();
        } catch (IOException e) {
            throw CliException.failed("cannot start " + String.join(" ", command) + ": " + e.getMessage());
        }
    }

    /** The state of {@code pid}, DEAD unless it is alive and its command line contains {@code marker}. */
    static State state(long pid, String marker) {
        Optional<ProcessHandle> h = handle(pid, marker);
        if (h.isEmpty()) {
            return State.DEAD;
        }
        return stopped(pid) ? State.PAUSED : State.ALIVE;
    }

    static Optional<ProcessHandle> handle(long pid, String marker) {
        if (pid <= 0) {
            return Optional.empty();
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (h.isEmpty() || isZombie(pid)) {
            return Optional.empty();
        }
        Optional<String> cmdLine = commandLine(h.get());
        // Without a readable command line (another user, odd platform) we cannot prove it is ours.
        if (cmdLine.isEmpty() || !cmdLine.get().contains(marker)) {
            return Optional.empty();
        }
        return h;
    }

    /**
     * The full command line. On Linux the JDK's {@code Info.commandLine()} reads only the first 4 KiB of
     * /proc/PID/cmdline and gives up beyond that, which a {@code -cp} classpath from Maven or an IDE
     * easily exceeds (the data dir comes after it), so read the file directly there.
     */
    static Optional<String> commandLine(ProcessHandle h) {
        Path proc = Path.of("/proc", Long.toString(h.pid()), "cmdline");
        if (Files.isReadable(proc)) {
            try {
                byte[] raw = Files.readAllBytes(proc);
                return raw.length == 0 ? Optional.empty()
                        : Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim());
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return h.info().commandLine();
    }

    /** SIGSTOP / SIGCONT: the JDK has no API for these, {@code kill} is on every Unix. */
    static void signal(long pid, String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw CliException.failed("kill -" + signal + " " + pid + " failed: " + output);
            }
        } catch (IOException e) {
            throw CliException.failed("kill -" + signal + " " + pid + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failed("interrupted");
        }
    }

    /** Waits until the process is gone; true if it exited within {@code timeout}. */
    static boolean awaitExit(ProcessHandle h, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        // onExit() of a non-child polls; a child of this JVM becomes a zombie until the JDK reaps it.
        while (h.isAlive() && !isZombie(h.pid())) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                h.onExit().get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // Poll again: covers zombies, which onExit() does not report until reaped.
            } catch (java.util.concurrent.ExecutionException e) {
                return !h.isAlive();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CliException.failed("interrupted");
            }
        }
        return true;
    }

    /** SIGSTOP is asynchronous: wait (briefly) until the kernel reports the process stopped. */
    static boolean awaitStopped(long pid, boolean stopped, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (stopped(pid) != stopped) {
            if (System.nanoTime() > end) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CliException.failed("interrupted");
            }
        }
        return true;
    }

    /** Whether the process is stopped by a signal: state T in /proc (Linux) or in ps (macOS, BSD). */
    static boolean stopped(long pid) {
        char s = procState(pid);
        return s == 'T' || s == 't';
    }

    private static boolean isZombie(long pid) {
        return procState(pid) == 'Z';
    }

    private static char procState(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (Files.isDirectory(Path.of("/proc", "self"))) {
            try {
                String s = Files.readString(stat, StandardCharsets.UTF_8);
                int close = s.lastIndexOf(')');
                return close >= 0 && close + 2 < s.length() ? s.charAt(close + 2) : '?';
            } catch (IOException e) {
                return '?';
            }
        }
        try {
            Process p = new ProcessBuilder("ps", "-o", "stat=", "-p", Long.toString(pid)).redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            p.waitFor(5, TimeUnit.SECONDS);
            return out.isEmpty() ? '?' : out.charAt(0);
        } catch (IOException e) {
            return '?';
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return '?';
        }
    }

    /** The last {@code lines} lines of a log (read from its last 64 KiB: logs of long runs get big). */
    static List<String> tail(Path log, int lines) {
        if (!Files.isRegularFile(log)) {
            return List.of("(no log at " + log + ")");
        }
        byte[] buf;
        boolean truncated;
        try (SeekableByteChannel ch = Files.newByteChannel(log)) {
            long size = ch.size();
            int n = (int) Math.min(size, 64 << 10);
            truncated = n < size;
            ch.position(size - n);
            ByteBuffer bb = ByteBuffer.allocate(n);
            while (bb.hasRemaining() && ch.read(bb) >= 0) {
                // read until full or end of file
            }
            buf = Arrays.copyOf(bb.array(), bb.position());
        } catch (IOException e) {
            return List.of("(cannot read " + log + ": " + e.getMessage() + ")");
        }
        List<String> all = new ArrayList<>(Arrays.asList(new String(buf, StandardCharsets.UTF_8).split("\\R", -1)));
        if (truncated && !all.isEmpty()) {
            all.remove(0); // a partial first line
        }
        if (!all.isEmpty() && all.get(all.size() - 1).isEmpty()) {
            all.remove(all.size() - 1);
        }
        return new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
