package io.raftkv.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Process control on a stand-in process whose command line carries a marker, as nodes carry their data dir. */
class NodeProcessesTest {
    @TempDir
    Path dir;

    private long pid;

    /**
     * {@code tail -f} on a file under the marker directory: one process (nothing orphaned by SIGKILL) that
     * runs until killed, and whose command line names the marker from its first instruction, under setsid
     * and after setsid's exec alike, so no test has to wait for it.
     */
    private long startSleeper(String marker) {
        try {
            Files.createDirectories(Path.of(marker));
            Files.writeString(Path.of(marker, "follow-me"), "");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        pid = NodeProcesses.start(List.of("tail", "-f", marker + "/follow-me"), dir, dir.resolve("log"));
        return pid;
    }

    @AfterEach
    void cleanUp() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void stateFollowsSignals() {
        String marker = dir.resolve("n1/data").toString();
        long p = startSleeper(marker);
        ProcessHandle h = ProcessHandle.of(p).orElseThrow();
        assertEquals(NodeProcesses.State.ALIVE, NodeProcesses.state(p, marker));

        NodeProcesses.signal(p, "STOP");
        assertTrue(NodeProcesses.awaitStopped(p, true, Duration.ofSeconds(10)));
        assertEquals(NodeProcesses.State.PAUSED, NodeProcesses.state(p, marker));

        NodeProcesses.signal(p, "CONT");
        assertTrue(NodeProcesses.awaitStopped(p, false, Duration.ofSeconds(10)));
        assertEquals(NodeProcesses.State.ALIVE, NodeProcesses.state(p, marker));

        h.destroyForcibly();
        assertTrue(NodeProcesses.awaitExit(h, Duration.ofSeconds(10)));
        assertEquals(NodeProcesses.State.DEAD, NodeProcesses.state(p, marker));
    }

    @Test
    void aReusedPidWithoutTheMarkerCountsAsDead() {
        String marker = dir.resolve("n1/data").toString();
        long p = startSleeper(marker);
        assertEquals(NodeProcesses.State.ALIVE, NodeProcesses.state(p, marker));
        assertEquals(NodeProcesses.State.DEAD, NodeProcesses.state(p, dir.resolve("n2/data").toString()));
        assertEquals(NodeProcesses.State.DEAD, NodeProcesses.state(0, marker));
        assertEquals(NodeProcesses.State.DEAD, NodeProcesses.state(ProcessHandle.current().pid(), marker));
    }

    @Test
    void signalToAMissingProcessFailsWithAMessage() {
        CliException e = org.junit.jupiter.api.Assertions.assertThrows(CliException.class,
                () -> NodeProcesses.signal(Integer.MAX_VALUE - 7, "CONT"));
        assertTrue(e.getMessage().startsWith("kill -CONT " + (Integer.MAX_VALUE - 7) + " failed"), e.getMessage());
    }

    @Test
    void tailReturnsTheLastLines() throws IOException {
        Path log = dir.resolve("server.log");
        Files.writeString(log, IntStream.rangeClosed(1, 30).mapToObj(i -> "line " + i).collect(Collectors.joining("\n", "", "\n")));
        List<String> tail = NodeProcesses.tail(log, 20);
        assertEquals(20, tail.size());
        assertEquals("line 11", tail.get(0));
        assertEquals("line 30", tail.get(19));
        assertEquals(List.of("(no log at " + dir.resolve("none") + ")"), NodeProcesses.tail(dir.resolve("none"), 5));

        // A big log: only its end is read, and the cut-off first line is dropped.
        Files.writeString(log, "x".repeat(100_000) + "\nlast-but-one\nlast");
        assertEquals(List.of("last-but-one", "last"), NodeProcesses.tail(log, 5));
    }
}
