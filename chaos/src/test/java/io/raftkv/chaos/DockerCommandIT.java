package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/raftkv chaos --backend docker} as a user runs it, with none of the build's Testcontainers
 * environment (the script must set it), and the cleanup that replaces Ryuk: what a SIGKILLed harness
 * leaves is removed by the next one.
 */
class DockerCommandIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path dir;

    @BeforeEach
    void docker() {
        DockerSuite.assumeDocker();
    }

    private ProcessBuilder raftkv(List<String> args, Path out) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("bin/raftkv").toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().put("RAFTKV_SERVER_JAR", ItSupport.serverJar().toString());
        // What a user's shell has: the build sets these for the test JVM, bin/raftkv must set them itself.
        pb.environment().remove("TESTCONTAINERS_RYUK_DISABLED");
        pb.environment().remove("TESTCONTAINERS_HOST_OVERRIDE");
        return pb;
    }

    @Test
    void aDockerRunFromTheCommandPassesAndRemovesItsContainers() throws IOException, InterruptedException {
        Path runs = ItSupport.runsDir().resolve("docker-command-" + System.currentTimeMillis());
        Path out = dir.resolve("out.txt");
        Process p = raftkv(List.of("chaos", "--backend", "docker", "--nodes", "3", "--nemesis", "one-way,kill", "--time", "15s",
                "--seed", "9", "--out", runs.toString()), out).start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/raftkv chaos --backend docker did not finish within 240 s");
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("PASS: linearizable=true acknowledged_lost=0"), text);
        assertTrue(text.contains("--backend docker"), "the replay command names the backend: " + text);
        DockerSuite.assertNothingLeft(p.pid());
    }

    @Test
    void containersOfASigkilledHarnessAreRemovedByTheNextOne() throws IOException {
        Path out = dir.resolve("harness.txt");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                ROOT.resolve("chaos/target/raftkv-chaos.jar").toString(), "--backend", "docker", "--nemesis", "none",
                "--time", "120s", "--server-jar", ItSupport.serverJar().toString(), "--out", dir.resolve("runs").toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("TESTCONTAINERS_RYUK_DISABLED", "true");
        Process harness = pb.start();
        long pid = harness.pid();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (DockerSuite.leftBy(pid).size() < 4 && System.nanoTime() < end) { // three containers and a network
                assertTrue(harness.isAlive(), "the harness exited: " + Files.readString(out));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
            assertEquals(4, DockerSuite.leftBy(pid).size(), "the harness created its cluster: " + Files.readString(out));
        } finally {
            harness.destroyForcibly(); // SIGKILL: no shutdown hook runs
        }
        try {
            harness.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertFalse(DockerSuite.leftBy(pid).isEmpty(), "a SIGKILLed harness cannot clean up: this is what the next run removes");
        DockerCluster.removeOrphans(DockerEnvironment.client());
        DockerSuite.assertNothingLeft(pid);
    }
}
