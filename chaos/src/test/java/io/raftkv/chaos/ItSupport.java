package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** Settings shared by the integration suites: where the server jar and the run directories are. */
final class ItSupport {
    private ItSupport() {
    }

    /** The server's runnable jar: set by failsafe from the build, else the server module's target. */
    static Path serverJar() {
        String p = System.getProperty("chaos.server.jar");
        Path jar = p != null && !p.isBlank() ? Path.of(p) : Path.of("").toAbsolutePath().getParent()
                .resolve("server/target/raftkv-server.jar");
        assertTrue(Files.isRegularFile(jar), "the server jar " + jar + " is missing: run ./mvnw verify (or package the "
                + "server module first)");
        return jar;
    }

    static Path runsDir() {
        String p = System.getProperty("chaos.runs.dir");
        return p != null && !p.isBlank() ? Path.of(p) : Path.of("target", "runs").toAbsolutePath();
    }

    /** -Dchaos.seed=N replays a run; otherwise every build explores a new one (the seed is in the log and report). */
    static long seed() {
        String s = System.getProperty("chaos.seed");
        return s != null && !s.isBlank() ? Long.parseLong(s.trim()) : ThreadLocalRandom.current().nextLong(1, 1L << 48);
    }

    /**
     * Run options for the suites: 50 ms ticks and short faults (2.5-4 s, each several election timeouts)
     * with short quiet gaps, so one run fits every planned kind of fault.
     */
    static RunOptions options(int nodes, Set<FaultKind> kinds, Duration time, long seed) {
        return RunOptions.defaults(nodes, kinds, time, seed, serverJar(), runsDir())
                .withTiming(new NemesisSchedule.Timing(Duration.ofMillis(2_500), Duration.ofMillis(4_000),
                        Duration.ofMillis(1_000), Duration.ofMillis(1_500)));
    }

    /**
     * Run time such that every kind is planned at least once: the plan deals kinds from a shuffled deck,
     * so a fault span of one full deck at the longest durations suffices. The run's time is that span plus
     * the quiet tail (a fifth of the time, 3 to 10 s).
     */
    static Duration timeFor(int kinds, RunOptions probe) {
        long span = kinds * (probe.timing().faultMax().toMillis() + probe.timing().quietMax().toMillis()) + 500;
        long time = span * 5 / 4;
        if (time - span > 10_000) {
            time = span + 10_000;
        } else if (time - span < 3_000) {
            time = span + 3_000;
        }
        return Duration.ofMillis(time);
    }

    static void assertNoProcessLeft(List<Long> pids) {
        for (long pid : pids) {
            assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "server process " + pid + " outlived the run");
        }
    }
}
