package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node process that ends on its own is reported with its exit code and log; one the harness ends is not. */
class NodeExitTest {
    @TempDir
    Path dir;

    private NodeProcess process(String script) {
        return new NodeProcess(1, List.of("sh", "-c", script), dir, dir.resolve("server.log"));
    }

    private static void awaitExit(NodeProcess p) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (p.isAlive() && System.nanoTime() - end < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        assertFalse(p.isAlive(), "the process did not end within 10 s");
    }

    @Test
    void anExitOnItsOwnCarriesTheExitCodeAndTheLastLogLines() {
        NodeProcess p = process("echo starting; echo 'java.lang.OutOfMemoryError: Java heap space'; exit 3");
        p.start();
        awaitExit(p);
        NodeExit e = p.exitedOnItsOwn(1).orElseThrow();
        assertEquals(1, e.node());
        assertTrue(e.how().contains("exit code 3"), e.how());
        assertTrue(e.lastLines().contains("java.lang.OutOfMemoryError: Java heap space"), e.lastLines().toString());
        assertTrue(e.describe().contains("exited on its own"));
    }

    @Test
    void aKillOrStopByTheHarnessIsNotAnExitOnItsOwn() {
        NodeProcess p = process("sleep 60");
        assertEquals(Optional.empty(), p.exitedOnItsOwn(1), "never started");
        p.start();
        assertEquals(Optional.empty(), p.exitedOnItsOwn(1), "running");
        p.kill();
        assertEquals(Optional.empty(), p.exitedOnItsOwn(1));
        p.start();
        p.stop(java.time.Duration.ofSeconds(5));
        assertEquals(Optional.empty(), p.exitedOnItsOwn(1));
    }

    @Test
    void aNodeKilledBehindTheHarnessesBackIsReportedWithItsSignal() {
        NodeProcess p = process("sleep 60");
        p.start();
        ProcessHandle.of(p.pid()).orElseThrow().destroyForcibly();
        awaitExit(p);
        assertTrue(p.exitedOnItsOwn(1).orElseThrow().how().contains("signal 9"));
        p.kill(); // the harness finding it dead does not excuse the exit
        assertTrue(p.exitedOnItsOwn(1).isPresent());
    }

    @Test
    void theLogKeepsEachLifeOnce() {
        ExitLog log = new ExitLog();
        NodeExit e = new NodeExit(2, "pid 7", "exit code 1", Instant.EPOCH, List.of("boom"));
        log.note(Optional.of(e));
        log.note(Optional.of(new NodeExit(2, "pid 7", "exit code 1", Instant.now(), List.of("boom"))));
        log.note(Optional.empty());
        log.note(Optional.of(new NodeExit(2, "pid 8", "exit code 1", Instant.now(), List.of())));
        assertEquals(2, log.all().size());
        assertEquals(e, log.all().get(0));
    }

    @Test
    void residentMemoryIsReadFromProcStatus() {
        String status = "Name:\tjava\nVmPeak:\t 3000000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t40\n";
        assertEquals(Optional.of(new NodeMemory(102_400, 204_800)), NodeMemory.parse(status));
        assertEquals(Optional.empty(), NodeMemory.parse("Name:\tjava\n"));
    }
}
