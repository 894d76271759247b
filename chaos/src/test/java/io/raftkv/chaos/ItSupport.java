package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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

    /**
     * A run that must pass: linearizable (raw and library clients on the same registers), nothing lost, the
     * set intact, every increment exactly once, no node exited on its own, every planned kind of fault done.
     */
    static void assertHealthy(RunResult r, Set<FaultKind> kinds) throws IOException {
        String where = " (seed " + r.options().seed() + ", report " + r.dir().resolve("report.html") + ")";
        assertTrue(r.harnessErrors().isEmpty(), "harness problems: " + r.harnessErrors() + where);
        assertEquals(Verdict.VALID, r.linearizability().verdict(), "linearizability" + where);
        assertEquals(0, r.acknowledgedLost(), "acknowledged writes lost" + where);
        assertFalse(r.sets().isEmpty(), "the set workload ran" + where);
        r.sets().forEach(s -> assertEquals(Verdict.VALID, s.verdict(), "set " + s.set() + ": " + s + where));
        assertEquals(List.of(), r.nodeExits().stream().map(NodeExit::describe).toList(), "nodes exited on their own" + where);
        assertFalse(r.counters().isEmpty(), "the counter workload ran" + where);
        r.counters().forEach(c -> assertEquals(Verdict.VALID, c.verdict(), "counter " + c.key() + ": " + c + where));
        assertEquals(Verdict.VALID, r.verdict(), r.checks() + where);
        long ok = r.ops().stream().filter(o -> o.outcome() == Outcome.OK).count();
        assertTrue(ok > 1_000, "only " + ok + " operations succeeded" + where);
        long increments = r.counters().stream().mapToLong(CounterChecker.Result::acknowledged).sum();
        assertTrue(increments > 100, "only " + increments + " increments acknowledged" + where);
        assertTrue(r.injected().answersLost() > 0, "no answer was lost, so no session retry was exercised" + where);
        long library = r.ops().stream().filter(o -> o.node() == LibraryRegisterWorkload.LIBRARY_NODE
                && LinearizabilityChecker.isRegister(o.call()) && o.outcome() == Outcome.OK).count();
        assertTrue(library > 100, "only " + library + " register operations through the client library succeeded" + where);
        Set<FaultKind> seen = EnumSet.noneOf(FaultKind.class);
        r.windows().forEach(w -> seen.add(w.kind()));
        assertEquals(new TreeSet<>(kinds), new TreeSet<>(seen), "every planned kind of fault happened" + where);
        assertTrue(Files.size(r.dir().resolve("history.jsonl")) > 0);
        assertTrue(Files.readString(r.dir().resolve("results.json")).contains("\"linearizable\": true"));
        assertTrue(Files.readString(r.dir().resolve("report.html")).contains("<svg"));
    }

    /** Retries sent outside their session applied increments twice, and the counter check said so. */
    static void assertBrokenSessionsCaught(RunResult r, String where) {
        assertTrue(r.injected().retriesStripped() > 0, "no retry went out without its session" + where);
        assertEquals(Verdict.INVALID, r.checks().get("counters_exactly_once"),
                "increments retried outside their session went unnoticed: the counter check is blind" + where);
        assertTrue(r.duplicated() > 0, "duplicated increments named: " + r.counters() + where);
    }

    /** Every fault of {@code all} that means something on {@code nodes} nodes, but those in {@code except}. */
    static Set<FaultKind> everyFault(int nodes, Set<FaultKind> except) {
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        for (FaultKind k : FaultKind.values()) {
            if (k.minNodes <= nodes && k.inAll() && !except.contains(k)) {
                kinds.add(k);
            }
        }
        return kinds;
    }

    /** Options for a run long enough that each of {@code kinds} is planned at least once. */
    static RunOptions optionsCovering(int nodes, Set<FaultKind> kinds) {
        RunOptions probe = options(nodes, kinds, Duration.ofSeconds(60), seed());
        return options(nodes, kinds, timeFor(kinds.size(), probe), probe.seed());
    }
}
