package io.raftkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes (sh and sleep), signalled as the CLI and the chaos harness signal nodes. */
class NodeProcessTest {
    @TempDir
    Path dir;

    private NodeProcess sleeper(NodeProcess.Lifetime lifetime, String marker) {
        return NodeProcess.start(List.of("sh", "-c", "echo started; exec sleep 60 " + marker), dir, dir.resolve("log"),
                lifetime, marker);
    }

    @Test
    void pauseResumeAndStopAProcessFoundAgainByPidAndMarker() {
        String marker = "# " + UUID.randomUUID();
        NodeProcess started = sleeper(NodeProcess.Lifetime.DETACHED, "60");
        try {
            NodeProcess p = NodeProcess.find(started.pid(), "sleep 60").orElseThrow();
            assertEquals(NodeProcess.State.ALIVE, p.state());
            p.pause();
            assertEquals(NodeProcess.State.PAUSED, p.state());
            p.resume();
            assertEquals(NodeProcess.State.ALIVE, p.state());
            // A recorded pid whose command line does not name the node is someone else's process.
            assertTrue(NodeProcess.find(started.pid(), marker).isEmpty());
            p.pause();
            assertTrue(p.stop(Duration.ofSeconds(10)), "SIGTERM reaches a paused process too");
            assertEquals(NodeProcess.State.DEAD, p.state());
            assertTrue(NodeProcess.find(started.pid(), "sleep 60").isEmpty());
        } finally {
            started.kill(Duration.ofSeconds(5));
        }
    }

    @Test
    void aCommandLineReadEmptyOrPartialMidExecIsReadAgain() {
        // What /proc/PID/cmdline was seen to answer for a process between exec's new address space and its argv.
        List<String> answers = List.of("", "s", "java\0-jar\0raftkv-server.jar\0--data-dir\0/d/n1\0");
        AtomicInteger reads = new AtomicInteger();
        NodeProcess.CmdlineSource midExec = () -> answers.get(reads.getAndIncrement()).getBytes(StandardCharsets.UTF_8);
        assertTrue(NodeProcess.commandLineNames(midExec, ProcessHandle.current(), "--data-dir /d/n1"));
        assertEquals(3, reads.get());
    }

    @Test
    void aCommandLineThatNeverNamesTheMarkerIsSomeoneElsesAfterBoundedReads() {
        AtomicInteger reads = new AtomicInteger();
        NodeProcess.CmdlineSource recycledPid = () -> {
            reads.incrementAndGet();
            return "postgres\0-D\0/var/lib/pg\0".getBytes(StandardCharsets.UTF_8);
        };
        assertFalse(NodeProcess.commandLineNames(recycledPid, ProcessHandle.current(), "--data-dir /d/n1"));
        assertEquals(NodeProcess.CMDLINE_READS, reads.get());
    }

    @Test
    void killReportsTheExitOfAProcessThisJvmStarted() {
        NodeProcess p = sleeper(NodeProcess.Lifetime.TIED, "60");
        assertFalse(p.exitCode().isPresent());
        assertTrue(p.kill(Duration.ofSeconds(10)));
        assertEquals(NodeProcess.State.DEAD, p.state());
        assertEquals(137, p.exitCode().orElseThrow(), "128 + SIGKILL");
    }

    @Test
    void tailGivesTheLastLines() throws java.io.IOException {
        java.nio.file.Files.writeString(dir.resolve("t.log"), "a\nb\nc\n");
        assertEquals(List.of("b", "c"), NodeProcess.tail(dir.resolve("t.log"), 2));
    }

    @Test
    void theCommandIsJavaOptionsEntryThenServerFlags() {
        ServerLauncher l = new ServerLauncher(Path.of("/jdk/bin/java"), List.of("-Xmx64m"), List.of("-jar", "/s.jar"));
        assertEquals(List.of("/jdk/bin/java", "-Xmx64m", "-jar", "/s.jar", "server", "--id", "1"), l.command(List.of("--id", "1")));
    }
}
