package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's tour, run as a user would: real processes started by {@code bin/raftkv local up} (the server
 * jar), client commands (the CLI jar), a SIGKILLed leader, failover, restart, shutdown. Runs after
 * {@code package} (failsafe), so bin/raftkv finds the jars this build produced (the server's is built first:
 * this module depends on it for tests).
 */
class ReadmeCommandsIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    private Run raftkv(String... args) throws IOException, InterruptedException {
        return raftkv(java.util.Map.of(), args);
    }

    private Run raftkv(java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("bin/raftkv").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().remove("RAFTKV_ENDPOINTS");
        pb.environment().remove("RAFTKV_CLI_JAVA_OPTS");
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("raftkv " + String.join(" ", args) + " did not finish within 90 s");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).trim(),
                Files.readString(err, StandardCharsets.UTF_8).trim());
    }

    private Run ok(String... args) throws IOException, InterruptedException {
        Run r = raftkv(args);
        assertEquals(0, r.exit(), "raftkv " + String.join(" ", args) + " failed: " + r.err() + "\n" + r.out());
        return r;
    }

    @AfterEach
    void down() throws IOException, InterruptedException {
        raftkv("local", "down", "--dir", dir.resolve("cluster").toString());
    }

    @Test
    void theTwoMinuteTour() throws IOException, InterruptedException {
        String cluster = dir.resolve("cluster").toString();
        Run up = ok("local", "up", "--dir", cluster);
        assertTrue(up.out().contains("leader: node"), up.out());
        String endpoints = Files.readString(Path.of(cluster, "endpoints")).trim();
        assertEquals(3, endpoints.split(",").length, endpoints);

        assertTrue(ok("put", "greeting", "hello", "--dir", cluster).out().startsWith("OK index="));
        assertEquals("hello", ok("get", "greeting", "--dir", cluster).out());

        assertTrue(ok("local", "kill", "leader", "--dir", cluster).out().startsWith("killed node"));
        // The client follows the new leader; the acknowledged write survived the SIGKILL.
        assertEquals("hello", ok("get", "greeting", "--dir", cluster).out());
        assertTrue(ok("put", "after", "failover", "--dir", cluster).out().startsWith("OK index="));

        Run status = raftkv("local", "status", "--dir", cluster);
        assertTrue(status.out().contains("dead"), status.out());
        String killed = status.out().lines().filter(l -> l.contains("dead")).findFirst().orElseThrow().trim().split("\\s+")[0];
        ok("local", "restart", killed, "--dir", cluster);
        assertEquals("failover", ok("get", "after", "--dir", cluster).out());
        // The restarted node itself catches up from the log: read its own replica.
        String endpoint = ok("local", "status", "--dir", cluster).out().lines()
                .filter(l -> l.trim().startsWith(killed + " ")).findFirst().orElseThrow().trim().split("\\s+")[8];
        String local = "";
        for (int i = 0; i < 50 && !local.equals("failover"); i++) {
            local = raftkv("get", "after", "--serializable", "--endpoints", endpoint).out();
        }
        assertEquals("failover", local, "restarted node " + killed + " at " + endpoint + " did not catch up");

        Run missing = raftkv("get", "nope", "--dir", cluster);
        assertEquals(3, missing.exit());
        assertEquals("", missing.out());
        assertEquals("not found: nope", missing.err());
        ok("local", "down", "--dir", cluster);
        assertTrue(Files.isRegularFile(ROOT.resolve("cli/target/raftkv-cli.jsa")), "bin/raftkv wrote the CLI's class-data archive");
    }

    /** Issue 14: 'chaos --help' started a Maven build of the harness; now it prints what the command is. */
    @Test
    void chaosHelpBuildsNothing() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Run help = raftkv(java.util.Map.of("RAFTKV_CHAOS_JAR", dir.resolve("not-built.jar").toString()), "chaos", "--help");
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().contains("Jepsen-style harness"), help.out());
        assertTrue(!help.err().contains("building"), help.err());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "no build ran");
    }
}
