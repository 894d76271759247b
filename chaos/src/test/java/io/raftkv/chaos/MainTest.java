package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void parsesEveryOption() {
        RunOptions o = Main.parse(new String[] {"--backend", "local", "--nodes", "5", "--nemesis", "kill,ring", "--time", "90s",
                "--seed", "123", "--server-jar", "/x/server.jar", "--out", "/tmp/runs", "--tick=100ms", "--election-ticks", "12",
                "--clients", "4", "--rate", "50", "--set-clients", "0", "--op-timeout", "2s", "--check-budget", "2m",
                "--unsafe-local-reads"}, Map.of());
        assertEquals(5, o.nodes());
        assertEquals(EnumSet.of(FaultKind.KILL, FaultKind.KILL_LEADER, FaultKind.RING), o.nemeses());
        assertEquals(Duration.ofSeconds(90), o.time());
        assertEquals(123, o.seed());
        assertEquals(Path.of("/x/server.jar"), o.serverJar());
        assertEquals(Path.of("/tmp/runs"), o.runsDir());
        assertEquals(Duration.ofMillis(100), o.tick());
        assertEquals(12, o.electionTicks());
        assertEquals(4, o.clients());
        assertEquals(50, o.rate());
        assertEquals(0, o.setClients());
        assertEquals(Duration.ofSeconds(2), o.opTimeout());
        assertEquals(Duration.ofMinutes(2), o.checkBudget());
        assertTrue(o.unsafeLocalReads());
        assertTrue(o.replayCommand().contains("--seed 123"));
    }

    @Test
    void aReplayCommandParsesBackToTheSameOptions() {
        RunOptions o = Main.parse(new String[] {"--nodes", "5", "--nemesis", "ring,pause", "--time", "40s", "--seed", "77",
                "--fault-time", "2.5s..4s", "--quiet-time", "1s..1.5s", "--set-clients", "1", "--set-rate", "5",
                "--unsafe-local-reads", "--client", "library", "--counter-clients", "6", "--counter-rate", "30",
                "--broken-sessions", "--tls"}, Map.of("RAFTKV_SERVER_JAR", "/s.jar"));
        assertTrue(o.tls());
        String[] replay = o.replayCommand().replaceFirst("^bin/raftkv chaos ", "").split(" ");
        RunOptions again = Main.parse(replay, Map.of("RAFTKV_SERVER_JAR", "/s.jar"));
        assertEquals(o, again);
        assertEquals(Duration.ofMillis(2_500), again.timing().faultMin());
        assertEquals(Duration.ofMillis(1_500), again.timing().quietMax());
        assertThrows(IllegalArgumentException.class, () -> Main.range("--fault-time", "4s..2s"));
        assertThrows(IllegalArgumentException.class, () -> Main.range("--fault-time", "4s"));
    }

    @Test
    void tlsIsForTheLocalBackend() {
        assertFalse(Main.parse(new String[0], Map.of()).tls(), "plaintext by default");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Main.parse(new String[] {"--backend", "docker", "--tls"}, Map.of()));
        assertTrue(e.getMessage().contains("--tls is for --backend local"), e.getMessage());
    }

    @Test
    void clientLibraryOptions() {
        RunOptions d = Main.parse(new String[0], Map.of());
        assertEquals(LibraryOptions.DEFAULT, d.library());
        assertEquals(5, d.library().rawThreads(10), "both: the register threads split between the clients");
        assertEquals(0, Main.parse(new String[] {"--client", "library"}, Map.of()).library().rawThreads(10));
        assertEquals(10, Main.parse(new String[] {"--client", "raw"}, Map.of()).library().rawThreads(10));
        assertTrue(Main.parse(new String[] {"--broken-sessions"}, Map.of()).library().brokenSessions());
        assertThrows(IllegalArgumentException.class, () -> Main.parse(new String[] {"--client", "grpc"}, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> Main.parse(new String[] {"--counter-clients", "0", "--broken-sessions"}, Map.of()),
                "the negative control needs the counter workload");
    }

    @Test
    void theReturningFollowerIsOptedIntoByNameNotByAll() {
        assertTrue(!FaultKind.parse("all").contains(FaultKind.RETURNING_FOLLOWER));
        assertEquals(java.util.Set.of(FaultKind.RETURNING_FOLLOWER), FaultKind.parse("returning-follower"));
        assertEquals(java.util.Set.of(FaultKind.RETURNING_FOLLOWER), FaultKind.parse("load"));
        assertTrue(FaultKind.RETURNING_FOLLOWER.selfTimed());
    }

    @Test
    void defaultsFindTheServerJarFromTheEnvironment() {
        RunOptions o = Main.parse(new String[0], Map.of("RAFTKV_SERVER_JAR", "/env/server.jar"));
        assertEquals(Path.of("/env/server.jar"), o.serverJar());
        assertEquals(3, o.nodes());
        assertEquals(FaultKind.parse("partition,kill,pause"), o.nemeses());
        assertEquals(Duration.ofSeconds(60), o.time());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(1500), Main.duration("x", "1.5s"));
        assertEquals(Duration.ofMillis(250), Main.duration("x", "250ms"));
        assertEquals(Duration.ofMinutes(2), Main.duration("x", "2m"));
        assertEquals(Duration.ofSeconds(7), Main.duration("x", "7"));
        assertThrows(IllegalArgumentException.class, () -> Main.duration("x", "soon"));
    }

    @Test
    void helpAndBadUsage() {
        assertNull(Main.parse(new String[] {"--help"}, Map.of()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, Main.run(new String[] {"--help"}, Map.of(), o, e));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("usage: raftkv chaos"));
        assertEquals(2, Main.run(new String[] {"--nodes", "zero"}, Map.of(), o, e));
        assertEquals(2, Main.run(new String[] {"--nemesis", "meteor"}, Map.of(), o, e));
        assertEquals(2, Main.run(new String[] {"--bogus", "1"}, Map.of(), o, e));
        assertEquals(2, Main.run(new String[] {"--backend", "podman"}, Map.of(), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--backend must be local or docker, got podman"));
        assertEquals(2, Main.run(new String[] {"--backend", "docker", "--nemesis", "slow"}, Map.of(), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("the slow fault is not available with --backend docker"));
        assertEquals(2, Main.run(new String[] {"--base-image", "debian"}, Map.of(), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--base-image is for --backend docker"));
        // Testcontainers would pull and start its reaper first: refused up front, with the setting named.
        assertEquals(2, Main.run(new String[] {"--backend", "docker"}, Map.of(), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("TESTCONTAINERS_RYUK_DISABLED=true is not set"));
        assertEquals(2, Main.run(new String[] {"--server-jar", "/nonexistent/server.jar"}, Map.of(), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no server jar at /nonexistent/server.jar"));
    }

    @Test
    void aGroupMeansWhatTheDockerBackendCanDoButANamedFaultIsHonouredOrRefused() {
        RunOptions o = Main.parse(new String[] {"--backend", "docker", "--nemesis", "links,partition"}, Map.of());
        assertTrue(o.nemeses().contains(FaultKind.LOSSY));
        assertTrue(!o.nemeses().contains(FaultKind.SLOW), "slow dropped from the links group for docker");
        assertTrue(Main.parse(new String[] {"--nemesis", "links"}, Map.of()).nemeses().contains(FaultKind.SLOW));
        RunOptions img = Main.parse(new String[] {"--backend", "docker", "--base-image", "debian:12", "--seed", "7"}, Map.of());
        assertEquals("debian:12", img.baseImage());
        assertTrue(img.replayCommand().contains("--backend docker") && img.replayCommand().endsWith("--base-image debian:12"),
                img.replayCommand());
        assertThrows(IllegalArgumentException.class,
                () -> Main.parse(new String[] {"--backend", "docker", "--nemesis", "slow,kill"}, Map.of()));
    }
}
