package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The local suite: real server processes, real faults through the proxy and signals, histories checked.
 * The healthy runs must be linearizable with nothing lost; the negative control (linearizable reads served
 * from the local replica) must be caught, or the checker proves nothing.
 */
class LocalChaosIT {
    @Test
    void threeNodesStayLinearizableUnderEveryFault() throws IOException {
        Set<FaultKind> kinds = ItSupport.everyFault(3, Set.of());
        RunResult r = ChaosRun.execute(ItSupport.optionsCovering(3, kinds));
        ItSupport.assertHealthy(r, kinds);
        ItSupport.assertNoProcessLeft(r.pids());
    }

    @Test
    void fiveNodesStayLinearizableUnderEveryFault() throws IOException {
        Set<FaultKind> kinds = ItSupport.everyFault(5, Set.of());
        RunResult r = ChaosRun.execute(ItSupport.optionsCovering(5, kinds));
        ItSupport.assertHealthy(r, kinds);
        ItSupport.assertNoProcessLeft(r.pids());
    }

    /**
     * The register workload (raw stubs and the client library) and the counters over TLS on every connection:
     * client certificates required, mutual TLS between nodes through the fault proxy (issue 13). Short: the
     * faults that cut, kill and restart connections, where handshakes happen again.
     */
    @Test
    void threeNodesOverMutualTlsStayLinearizable() throws IOException {
        Set<FaultKind> kinds = EnumSet.of(FaultKind.ISOLATE_LEADER, FaultKind.KILL_LEADER);
        RunOptions o = ItSupport.options(3, kinds, Duration.ofSeconds(25), ItSupport.seed()).withTls(true);
        RunResult r = ChaosRun.execute(o);
        ItSupport.assertHealthy(r, kinds);
        assertTrue(java.nio.file.Files.isRegularFile(r.dir().resolve("tls").resolve("ca.pem")), "the run's own CA");
        ItSupport.assertNoProcessLeft(r.pids());
    }

    /**
     * Both negative controls in one run (their checks look at disjoint keys): stale reads from
     * --unsafe-local-reads must fail linearizability, and session writes retried outside their session
     * (--broken-sessions) must fail the counters' exactly-once check.
     */
    @Test
    void negativeControlsStaleReadsAndRetriesOutsideTheSessionAreCaught() {
        Set<FaultKind> kinds = EnumSet.of(FaultKind.ISOLATE, FaultKind.ISOLATE_LEADER);
        RunOptions o = ItSupport.options(3, kinds, Duration.ofSeconds(20), ItSupport.seed()).withUnsafeLocalReads(true)
                .withLibrary(LibraryOptions.DEFAULT.withBrokenSessions(true));
        RunResult r = ChaosRun.execute(o);
        String where = " (seed " + o.seed() + ", report " + r.dir().resolve("report.html") + ")";
        assertTrue(r.harnessErrors().isEmpty(), "harness problems: " + r.harnessErrors() + where);
        assertEquals(Verdict.INVALID, r.linearizability().verdict(),
                "stale reads from --unsafe-local-reads under partitions went unnoticed: the checker is blind" + where);
        assertFalse(r.linearizability().invalid().isEmpty());
        LinearizabilityChecker.KeyResult k = r.linearizability().invalid().get(0);
        assertFalse(k.involved().isEmpty(), "a violation names the operations involved");
        ItSupport.assertBrokenSessionsCaught(r, where);
        assertEquals(1, r.exitCode());
        ItSupport.assertNoProcessLeft(r.pids());
    }
}
