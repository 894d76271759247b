package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/raftkv chaos} as a user runs it: the shaded jar, its exit codes and its artifacts. */
class ChaosCommandIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    private Run raftkv(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("bin/raftkv").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().put("RAFTKV_SERVER_JAR", ItSupport.serverJar().toString());
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("raftkv " + String.join(" ", args) + " did not finish within 180 s");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).trim(),
                Files.readString(err, StandardCharsets.UTF_8).trim());
    }

    @Test
    void helpAndUsageErrors() throws IOException, InterruptedException {
        Run help = raftkv("chaos", "--help");
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().contains("usage: raftkv chaos"), help.out());
        Run bad = raftkv("chaos", "--nemesis", "meteor");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("unknown nemesis 'meteor'"), bad.err());
    }

    @Test
    void aShortRunPassesAndWritesItsReport() throws IOException, InterruptedException {
        // Under target/runs with the suites' other runs, so a slow or failed run can be looked at afterwards.
        Path runs = ItSupport.runsDir().resolve("command-" + System.currentTimeMillis());
        Run r = raftkv("chaos", "--nodes", "3", "--nemesis", "kill", "--time", "12s", "--seed", "5", "--out", runs.toString());
        assertEquals(0, r.exit(), r.out() + "\n" + r.err());
        assertTrue(r.out().startsWith("PASS: linearizable=true acknowledged_lost=0"), r.out());
        assertTrue(r.err().contains("seed 5"), "the seed is printed");
        try (var dirs = Files.list(runs)) {
            Path run = dirs.findFirst().orElseThrow();
            for (String f : List.of("history.jsonl", "results.json", "report.html", "n1/server.log")) {
                assertTrue(Files.size(run.resolve(f)) > 0, f);
            }
        }
    }

    @Test
    void aHarnessKilledWithSigkillLeavesNoNodeBehind() throws IOException {
        // Shutdown hooks do not run on SIGKILL: the nodes must die with the harness anyway (parent-death signal).
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "no /usr/bin/setpriv (util-linux) here: nodes of a SIGKILLed harness are not reaped on this platform");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                ROOT.resolve("chaos/target/raftkv-chaos.jar").toString(), "--nemesis", "none", "--time", "120s",
                "--server-jar", ItSupport.serverJar().toString(), "--out", dir.resolve("runs").toString());
        Process harness = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("harness.log").toFile()).start();
        List<ProcessHandle> nodes = List.of();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (nodes.size() < 3 && System.nanoTime() < end) {
                nodes = harness.descendants().filter(h -> h.info().commandLine().orElse("").contains("raftkv-server.jar"))
                        .toList();
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
            assertEquals(3, nodes.size(), "the harness started three nodes: " + Files.readString(dir.resolve("harness.log")));
        } finally {
            harness.destroyForcibly();
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (ProcessHandle node : nodes) {
            while (node.isAlive() && System.nanoTime() < end) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            if (node.isAlive()) {
                node.destroyForcibly();
                throw new AssertionError("node process " + node.pid() + " outlived its SIGKILLed harness");
            }
        }
    }
}
