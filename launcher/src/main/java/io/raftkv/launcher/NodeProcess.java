package io.raftkv.launcher;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * One node process, known by its pid: started here ({@link #start}) or found again by a later command
 * ({@link #find}). Pids can outlive their processes (a reboot, a SIGKILL) and be reused, so a found process
 * must run a command line naming a marker (the node's data directory): {@code local down} must never SIGTERM
 * an unrelated process that got the same pid.
 *
 * <p>Thread-safe: every operation re-reads the process's state from the OS.
 */
public final class NodeProcess {
    /** What the OS says about the process. */
    public enum State { ALIVE, PAUSED, DEAD }

    /** How the process relates to the JVM that starts it. */
    public enum Lifetime {
        /**
         * Its own session ({@code setsid}): a Ctrl-C in the terminal that ran {@code local up} and a closing
         * terminal (SIGHUP) do not take the cluster down; it outlives the starting command.
         */
        DETACHED,
        /**
         * Killed by the kernel when the starting JVM dies ({@code setpriv --pdeathsig KILL}, Linux): even a
         * harness killed with SIGKILL, whose shutdown hooks never run, leaves no node behind.
         */
        TIED
    }

    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /**
     * Starts tied processes: the parent-death signal fires when the spawning <em>thread</em> ends, so it is one
     * thread that lives as long as the JVM.
     */
    private static final ExecutorService SPAWNER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "raftkv-node-spawner");
        t.setDaemon(true);
        return t;
    });

    private final long pid;
    private final String marker;
    /** Set when this JVM started the process: its exit code, and reaping. */
    private final Process child;

    private NodeProcess(long pid, String marker, Process child) {
        this.pid = pid;
        this.marker = marker;
        this.child = child;
    }

    /**
     * Starts {@code command} in {@code workDir} with stdin from /dev/null and stdout and stderr appended to
     * {@code log}. {@code setsid} and {@code setpriv} exec in place, so the pid is the node's own.
     *
     * @param marker what the command line contains (the data directory): {@link #state()} checks it
     * @throws UncheckedIOException if the process cannot be started
     */
    public static NodeProcess start(List<String> command, Path workDir, Path log, Lifetime lifetime, String marker) {
        List<String> cmd = new ArrayList<>();
        if (lifetime == Lifetime.DETACHED) {
            SETSID.stream().filter(Files::isExecutable).findFirst().ifPresent(p -> cmd.add(p.toString()));
        } else if (Files.isExecutable(SETPRIV)) {
            cmd.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL"));
        }
        cmd.addAll(command);
        try {
            Files.createDirectories(workDir);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            // glibc gives every thread that mallocs its own arena (up to 8 per core); RocksDB's allocations then
            // spread over many of them and the node's RSS grows with fragmentation. Two are plenty here.
            pb.environment().putIfAbsent("MALLOC_ARENA_MAX", ServerLauncher.MALLOC_ARENA_MAX);
            Process p = lifetime == Lifetime.TIED ? SPAWNER.submit(pb::start).get() : pb.start();
            return new NodeProcess(p.pid(), marker, p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw new UncheckedIOException("cannot start " + String.join(" ", command) + ": " + c.getMessage(),
                    c instanceof IOException io ? io : new IOException(c));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted starting " + String.join(" ", command), e);
        }
    }

    /** The process with {@code pid} if it is alive and its command line contains {@code marker}. */
    public static Optional<NodeProcess> find(long pid, String marker) {
        NodeProcess p = new NodeProcess(pid, marker, null);
        return p.state() == State.DEAD ? Optional.empty() : Optional.of(p);
    }

    public long pid() {
        return pid;
    }

    /**
     * DEAD unless the process is alive (not a zombie) and, for one found by pid, still runs a command naming
     * the marker (a process this JVM started is known by its handle: its pid cannot be reused before it is
     * reaped, and a shell may exec another command line).
     */
    public State state() {
        if (pid <= 0) {
            return State.DEAD;
        }
        if (child != null) {
            char s = procState(pid);
            // Gone from /proc (reaped) or a zombie is dead even while the JDK has not yet noticed the exit.
            if (!child.isAlive() || s == 'Z' || s == GONE) {
                return State.DEAD;
            }
            return s == 'T' || s == 't' ? State.PAUSED : State.ALIVE;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (h.isEmpty() || procState(pid) == 'Z') {
            return State.DEAD;
        }
        // Without a readable command line (another user, odd platform) we cannot prove it is ours.
        if (!commandLineNames(h.get(), marker)) {
            return State.DEAD;
        }
        char s = procState(pid);
        return s == 'T' || s == 't' ? State.PAUSED : State.ALIVE;
    }

    /** The exit code, once a process this JVM started has exited. */
    public OptionalInt exitCode() {
        return child != null && !child.isAlive() ? OptionalInt.of(child.exitValue()) : OptionalInt.empty();
    }

    /** SIGKILL; true once the process is gone (reaped, so its ports are free again) within {@code wait}. */
    public boolean kill(Duration wait) {
        if (state() == State.DEAD) {
            return true;
        }
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        return awaitExit(wait);
    }

    /**
     * SIGTERM (after SIGCONT if paused: a stopped process never sees it), then SIGKILL after {@code grace}.
     *
     * @return true if it exited within the grace period, false if it had to be killed
     */
    public boolean stop(Duration grace) {
        if (state() == State.DEAD) {
            return true;
        }
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        if (state() == State.PAUSED) {
            signal("CONT");
        }
        if (awaitExit(grace)) {
            return true;
        }
        kill(Duration.ofSeconds(10));
        return false;
    }

    /** SIGSTOP, and wait until the kernel shows the process stopped (signals are asynchronous). */
    public void pause() {
        signal("STOP");
        awaitStopped(true);
    }

    /** SIGCONT, and wait until the process runs again. */
    public void resume() {
        signal("CONT");
        awaitStopped(false);
    }

    /** Waits until the process is gone; true if it exited within {@code timeout}. */
    public boolean awaitExit(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        // onExit() of a non-child polls; a child of this JVM is a zombie until the JDK reaps it.
        while (h.isPresent() && h.get().isAlive() && procState(pid) != 'Z') {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                h.get().onExit().get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // poll again: covers zombies, which onExit() does not report until reaped
            } catch (ExecutionException e) {
                return !h.get().isAlive();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        if (child != null) {
            try {
                child.waitFor(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return true;
    }

    private void awaitStopped(boolean stopped) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            State s = state();
            if (s == State.DEAD) {
                throw new IllegalStateException("pid " + pid + " exited");
            }
            if ((s == State.PAUSED) == stopped) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("pid " + pid + " did not " + (stopped ? "stop" : "continue") + " within 5 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** SIGSTOP / SIGCONT: the JDK has no API for these; kill(1) is on every Unix. */
    private void signal(String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("kill -" + signal + " " + pid + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted signalling " + pid, e);
        }
    }

    /**
     * Whether the command line contains {@code marker}. On Linux the JDK's {@code Info.commandLine()} reads
     * only the first 4 KiB of /proc/PID/cmdline, which a {@code -cp} classpath from Maven or an IDE easily
     * exceeds (the data dir comes after it), so read the file directly there.
     */
    static boolean commandLineNames(ProcessHandle h, String marker) {
        Path proc = Path.of("/proc", Long.toString(h.pid()), "cmdline");
        if (Files.isReadable(proc)) {
            return commandLineNames(new ProcCmdline(proc), h, marker);
        }
        return h.info().commandLine().filter(c -> c.contains(marker)).isPresent();
    }

    /** How many times, {@link #CMDLINE_RETRY_MILLIS} apart, /proc/PID/cmdline is read before it counts. */
    static final int CMDLINE_READS = 20;
    private static final long CMDLINE_RETRY_MILLIS = 5;

    /** Reads /proc/PID/cmdline; a seam so a test can play the kernel's answers mid-exec. */
    interface CmdlineSource {
        byte[] read() throws IOException;
    }

    private record ProcCmdline(Path file) implements CmdlineSource {
        @Override
        public byte[] read() throws IOException {
            return Files.readAllBytes(file);
        }
    }

    /**
     * A process that has just been started reads empty or as a fragment (seen: "s") for a moment while it
     * execs (the kernel has switched to the new address space before the new argv is in place), and a node
     * started through a shell that {@code exec}s the JVM does that right after start. So a line without the
     * marker is read again for up to ~100 ms before the process counts as someone else's: slower to call a
     * recycled pid foreign, never wrong about a starting node.
     */
    static boolean commandLineNames(CmdlineSource source, ProcessHandle h, String marker) {
        try {
            for (int read = 1; ; read++) {
                byte[] raw = source.read();
                if (new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').contains(marker)) {
                    return true;
                }
                if (read == CMDLINE_READS || !h.isAlive() || procState(h.pid()) == 'Z') {
                    return false;
                }
                Thread.sleep(CMDLINE_RETRY_MILLIS);
            }
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@link #procState} of a pid that /proc does not list: no such process (any more). */
    private static final char GONE = '-';

    /** The state letter of /proc/PID/stat (Linux) or ps (macOS, BSD); {@link #GONE}, or '?' when unknown. */
    private static char procState(long pid) {
        if (Files.isDirectory(Path.of("/proc", "self"))) {
            try {
                String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
                int close = s.lastIndexOf(')');
                return close >= 0 && close + 2 < s.length() ? s.charAt(close + 2) : '?';
            } catch (java.nio.file.NoSuchFileException e) {
                return GONE;
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

    /** The last {@code lines} lines of a log, read from its last 64 KiB (logs of long runs get big). */
    public static List<String> tail(Path log, int lines) {
        if (!Files.isRegularFile(log)) {
            return List.of("(no log at " + log + ")");
        }
        byte[] buf;
        boolean truncated;
        try (var ch = Files.newByteChannel(log)) {
            long size = ch.size();
            int n = (int) Math.min(size, 64 << 10);
            truncated = n < size;
            ch.position(size - n);
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(n);
            while (bb.hasRemaining() && ch.read(bb) >= 0) {
                // read until full or end of file
            }
            buf = java.util.Arrays.copyOf(bb.array(), bb.position());
        } catch (IOException e) {
            return List.of("(cannot read " + log + ": " + e.getMessage() + ")");
        }
        List<String> all = new ArrayList<>(List.of(new String(buf, StandardCharsets.UTF_8).split("\\R", -1)));
        if (truncated && !all.isEmpty()) {
            all.remove(0); // a partial first line
        }
        if (!all.isEmpty() && all.get(all.size() - 1).isEmpty()) {
            all.remove(all.size() - 1);
        }
        return new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    @Override
    public String toString() {
        return "pid " + pid;
    }
}
