package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The local suite: real server processes, real faults through the proxy and signals, histories checked.
 * The healthy runs must be linearizable with nothing lost; the negative control (linearizable reads served
 * from the local replica) must be caught, or the checker proves nothing.
 */
class LocalChaosIT {
    private static void assertHealthy(RunResult r, Set<FaultKind> kinds) throws IOException {
        String where = " (seed " + r.options().seed() + ", report " + r.dir().resolve("report.html") + ")";
        assertTrue(r.harnessErrors().isEmpty(), "harness problems: " + r.harnessErrors() + where);
        assertEquals(Verdict.VALID, r.linearizability().verdict(), "linearizability" + where);
        assertEquals(0, r.acknowledgedLost(), "acknowledged writes lost" + where);
        assertFalse(r.sets().isEmpty(), "the set workload ran" + where);
        r.sets().forEach(s -> assertEquals(Verdict.VALID, s.verdict(), "set " + s.set() + ": " + s + where));
        assertEquals(Verdict.VALID, r.verdict(), where);
        long ok = r.ops().stream().filter(o -> o.outcome() == Outcome.OK).count();
        assertTrue(ok > 1_000, "only " + ok + " operations succeeded" + where);
        Set<FaultKind> seen = EnumSet.noneOf(FaultKind.class);
        r.windows().forEach(w -> seen.add(w.kind()));
        assertEquals(new TreeSet<>(kinds), new TreeSet<>(seen), "every planned kind of fault happened" + where);
        assertTrue(Files.size(r.dir().resolve("history.jsonl")) > 0);
        assertTrue(Files.readString(r.dir().resolve("results.json")).contains("\"linearizable\": true"));
        assertTrue(Files.readString(r.dir().resolve("report.html")).contains("<svg"));
        ItSupport.assertNoProcessLeft(r.pids());
    }

    @Test
    void threeNodesStayLinearizableUnderPartitionsPausesBadLinksAndRollingRestarts() throws IOException {
        // Kills are in the five-node run; together the two runs cover every kind of fault.
        Set<FaultKind> kinds = EnumSet.of(FaultKind.ISOLATE_LEADER, FaultKind.HALVES, FaultKind.BRIDGE, FaultKind.ONE_WAY,
                FaultKind.PAUSE, FaultKind.SLOW, FaultKind.LOSSY, FaultKind.ROLLING_RESTART);
        RunOptions probe = ItSupport.options(3, kinds, Duration.ofSeconds(60), ItSupport.seed());
        RunResult r = ChaosRun.execute(ItSupport.options(3, kinds, ItSupport.timeFor(kinds.size(), probe), probe.seed()));
        assertHealthy(r, kinds);
    }

    @Test
    void fiveNodesStayLinearizableUnderRingIsolationCrashesAndLeaderFaults() throws IOException {
        Set<FaultKind> kinds = EnumSet.of(FaultKind.RING, FaultKind.ISOLATE, FaultKind.KILL, FaultKind.PAUSE_LEADER,
                FaultKind.KILL_LEADER);
        RunOptions probe = ItSupport.options(5, kinds, Duration.ofSeconds(60), ItSupport.seed());
        RunResult r = ChaosRun.execute(ItSupport.options(5, kinds, ItSupport.timeFor(kinds.size(), probe), probe.seed()));
        assertHealthy(r, kinds);
    }

    @Test
    void negativeControlUnsafeLocalReadsAreCaughtAsNotLinearizable() {
        Set<FaultKind> kinds = EnumSet.of(FaultKind.ISOLATE, FaultKind.ISOLATE_LEADER);
        RunOptions o = ItSupport.options(3, kinds, Duration.ofSeconds(20), ItSupport.seed()).withUnsafeLocalReads(true);
        RunResult r = ChaosRun.execute(o);
        String where = " (seed " + o.seed() + ", report " + r.dir().resolve("report.html") + ")";
        assertTrue(r.harnessErrors().isEmpty(), "harness problems: " + r.harnessErrors() + where);
        assertEquals(Verdict.INVALID, r.linearizability().verdict(),
                "stale reads from --unsafe-local-reads under partitions went unnoticed: the checker is blind" + where);
        assertFalse(r.linearizability().invalid().isEmpty());
        LinearizabilityChecker.KeyResult k = r.linearizability().invalid().get(0);
        assertFalse(k.involved().isEmpty(), "a violation names the operations involved");
        assertEquals(1, r.exitCode());
        ItSupport.assertNoProcessLeft(r.pids());
    }
}
