package io.raftkv.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One server process of a local cluster: started with a fixed command line (same ports and data dir on
 * every start), its output appended to one log across restarts, signalled by pid.
 */
final class NodeProcess {
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private final int id;
    private final List<String> command;
    private final Path log;
    private final Path workDir;
    private final List<Long> started = new java.util.ArrayList<>();
    private Process process;
    private boolean paused;
    /** The harness ended the current life (kill, stop): its exit is not the node's own doing. */
    private boolean stoppedByHarness;

    NodeProcess(int id, List<String> command, Path workDir, Path log) {
        this.id = id;
        this.command = List.copyOf(command);
        this.workDir = workDir;
        this.log = log;
    }

    int id() {
        return id;
    }

    Path log() {
        return log;
    }

    List<String> command() {
        return command;
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    synchronized boolean isPaused() {
        return paused && isAlive();
    }

    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Every pid this node ever had, so tests can prove none outlived the run. */
    synchronized List<Long> startedPids() {
        return List.copyOf(started);
    }

    /**
     * Starts the process through {@code spawner}, a thread that lives as long as the cluster: with
     * {@code setpriv --pdeathsig KILL} (Linux) the kernel kills the node when that thread dies, so even a
     * harness killed with SIGKILL, whose shutdown hooks never run, leaves no node behind.
     */
    synchronized void start(ExecutorService spawner) {
        if (isAlive()) {
            throw new IllegalStateException("node " + id + " is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(workDir);
            // A marker per start, so a log spanning restarts reads in order.
            Files.writeString(log, "==== chaos: starting node " + id + " at " + Instant.now() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            List<String> cmd = new ArrayList<>();
            if (Files.isExecutable(SETPRIV)) {
                // setpriv execs the JVM in place: the pid is the node's own, signals reach it directly.
                cmd.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL"));
            }
            cmd.addAll(command);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            process = spawner.submit(pb::start).get();
            started.add(process.pid());
            paused = false;
            stoppedByHarness = false;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start node " + id + ": " + e.getMessage(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot start node " + id + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted starting node " + id, e);
        }
    }

    /** SIGKILL and wait for the process to be gone (reaped, so the ports are free again). */
    synchronized void kill() {
        if (process == null || !process.isAlive()) {
            // Already gone: if on its own, that stays on record (see exitedOnItsOwn).
            paused = false;
            return;
        }
        stoppedByHarness = true;
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(20));
        paused = false;
    }

    /** SIGTERM (after SIGCONT if paused, or the signal would wait), then SIGKILL if it takes too long. */
    synchronized void stop(Duration grace) {
        if (!isAlive()) {
            return;
        }
        if (paused) {
            resume();
        }
        stoppedByHarness = true;
        process.destroy();
        if (!awaitExit(grace)) {
            kill();
        }
    }

    synchronized void pause() {
        if (!isAlive() || paused) {
            return;
        }
        signal("STOP");
        paused = true;
        awaitProcState(true);
    }

    synchronized void resume() {
        if (!isAlive() || !paused) {
            paused = false;
            return;
        }
        signal("CONT");
        paused = false;
        awaitProcState(false);
    }

    private boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** The JDK has no API for SIGSTOP/SIGCONT; kill(1) is on every Unix. */
    private void signal(String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("kill -" + signal + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted signalling node " + id, e);
        }
    }

    /** Signals are asynchronous: wait until /proc shows the process stopped (T) or running again. */
    private void awaitProcState(boolean stopped) {
        Path stat = Path.of("/proc", Long.toString(process.pid()), "stat");
        if (!Files.isReadable(stat)) {
            return;
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end) {
            try {
                String s = Files.readString(stat, StandardCharsets.UTF_8);
                int close = s.lastIndexOf(')');
                char state = close >= 0 && close + 2 < s.length() ? s.charAt(close + 2) : '?';
                if ((state == 'T' || state == 't') == stopped) {
                    return;
                }
            } catch (IOException e) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        throw new IllegalStateException("node " + id + " did not " + (stopped ? "stop" : "continue") + " within 5 s");
    }

    /** How the current life ended, if it ended without the harness ending it. */
    synchronized java.util.Optional<NodeExit> exitedOnItsOwn(int slot) {
        if (process == null || process.isAlive() || stoppedByHarness) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new NodeExit(slot, "pid " + process.pid(), "exit code " + process.exitValue()
                + (process.exitValue() > 128 ? " (signal " + (process.exitValue() - 128) + ")" : ""), Instant.now(),
                List.of(tail(NodeExit.LOG_LINES).split("\n"))));
    }

    /** The last lines of the log, for error messages. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
