package io.raftkv.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One server process of a local cluster: started with a fixed command line (same ports and data dir on
 * every start), its output appended to one log across restarts. Starting and signalling is the project's
 * one local launcher ({@link io.raftkv.launcher.NodeProcess}, which {@code bin/raftkv local} uses too), with
 * the node tied to the harness: the kernel kills it if the harness dies, even of SIGKILL. This class keeps
 * the harness's bookkeeping: every pid, and whether an exit was the harness's doing.
 */
final class NodeProcess {
    private final int id;
    private final List<String> command;
    private final Path log;
    private final Path workDir;
    private final List<Long> started = new ArrayList<>();
    private io.raftkv.launcher.NodeProcess process;
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
        return process != null && process.state() != io.raftkv.launcher.NodeProcess.State.DEAD;
    }

    synchronized boolean isPaused() {
        return process != null && process.state() == io.raftkv.launcher.NodeProcess.State.PAUSED;
    }

    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Every pid this node ever had, so tests can prove none outlived the run. */
    synchronized List<Long> startedPids() {
        return List.copyOf(started);
    }

    synchronized void start() {
        if (isAlive()) {
            throw new IllegalStateException("node " + id + " is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(workDir);
            // A marker per start, so a log spanning restarts reads in order.
            Files.writeString(log, "==== chaos: starting node " + id + " at " + Instant.now() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            // The marker a pid must show to be this node's: its data directory, the one flag no other node has.
            process = io.raftkv.launcher.NodeProcess.start(command, workDir, log, io.raftkv.launcher.NodeProcess.Lifetime.TIED,
                    dataDir());
            started.add(process.pid());
            stoppedByHarness = false;
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalStateException("cannot start node " + id + ": " + e.getMessage(), e);
        }
    }

    private String dataDir() {
        int i = command.indexOf("--data-dir");
        return i >= 0 && i + 1 < command.size() ? command.get(i + 1) : String.join(" ", command);
    }

    /** SIGKILL and wait for the process to be gone (reaped, so the ports are free again). */
    synchronized void kill() {
        if (!isAlive()) {
            return; // already gone: if on its own, that stays on record (see exitedOnItsOwn)
        }
        stoppedByHarness = true;
        process.kill(Duration.ofSeconds(20));
    }

    /** SIGTERM (after SIGCONT if paused, or the signal would wait), then SIGKILL if it takes too long. */
    synchronized void stop(Duration grace) {
        if (!isAlive()) {
            return;
        }
        stoppedByHarness = true;
        process.stop(grace);
    }

    synchronized void pause() {
        if (isAlive() && !isPaused()) {
            process.pause();
        }
    }

    synchronized void resume() {
        if (isPaused()) {
            process.resume();
        }
    }

    /** How the current life ended, if it ended without the harness ending it. */
    synchronized Optional<NodeExit> exitedOnItsOwn(int slot) {
        if (process == null || isAlive() || stoppedByHarness) {
            return Optional.empty();
        }
        process.awaitExit(Duration.ofSeconds(5));
        int code = process.exitCode().orElse(-1);
        return Optional.of(new NodeExit(slot, "pid " + process.pid(), "exit code " + code
                + (code > 128 ? " (signal " + (code - 128) + ")" : ""), Instant.now(), List.of(tail(NodeExit.LOG_LINES).split("\n"))));
    }

    /** The last lines of the log, for error messages. */
    String tail(int lines) {
        return String.join("\n", io.raftkv.launcher.NodeProcess.tail(log, lines));
    }
}
