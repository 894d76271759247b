package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private static final Path ROOT = BinRaftkv.ROOT;

    @TempDir
    Path dir;

    private BinRaftkv.Run raftkv(String... args) {
        return new BinRaftkv(dir).run(args);
    }

    private BinRaftkv.Run raftkv(java.util.Map<String, String> env, String... args) {
        return new BinRaftkv(dir).run(env, null, args);
    }

    private BinRaftkv.Run ok(String... args) {
        return new BinRaftkv(dir).ok(args);
    }

    @AfterEach
    void down() throws IOException, InterruptedException {
        raftkv("local", "down", "--dir", dir.resolve("cluster").toString());
        BinRaftkv.keepLogs(dir.resolve("cluster"), "ReadmeCommandsIT");
    }

    @Test
    void theTwoMinuteTour() throws IOException, InterruptedException {
        String cluster = dir.resolve("cluster").toString();
        BinRaftkv.Run up = ok("local", "up", "--dir", cluster);
        assertTrue(up.out().contains("leader: node"), up.out());
        String endpoints = Files.readString(Path.of(cluster, "endpoints")).trim();
        assertEquals(3, endpoints.split(",").length, endpoints);

        assertTrue(ok("put", "greeting", "hello", "--dir", cluster).out().startsWith("OK index="));
        assertEquals("hello", ok("get", "greeting", "--dir", cluster).out());

        assertTrue(ok("local", "kill", "leader", "--dir", cluster).out().startsWith("killed node"));
        // The client follows the new leader; the acknowledged write survived the SIGKILL.
        assertEquals("hello", ok("get", "greeting", "--dir", cluster).out());
        assertTrue(ok("put", "after", "failover", "--dir", cluster).out().startsWith("OK index="));

        BinRaftkv.Run status = raftkv("local", "status", "--dir", cluster);
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

        BinRaftkv.Run missing = raftkv("get", "nope", "--dir", cluster);
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
        BinRaftkv.Run help = raftkv(java.util.Map.of("RAFTKV_CHAOS_JAR", dir.resolve("not-built.jar").toString()), "chaos", "--help");
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().contains("Jepsen-style harness"), help.out());
        assertTrue(!help.err().contains("building"), help.err());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "no build ran");
    }
}
