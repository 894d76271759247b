package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The docker suite: the same runs as the local suite, on containers with iptables partitions and docker
 * kill/stop/pause. Skipped where no Docker engine answers, unless RAFTKV_CHAOS_DOCKER=required (CI).
 * The slow fault is the local suite's alone (no netem here, see {@link DockerCluster}).
 */
class DockerChaosIT {
    @BeforeEach
    void docker() {
        DockerSuite.assumeDocker();
    }

    private static RunOptions docker(RunOptions o) {
        return o.withBackend("docker", null);
    }

    @Test
    void threeNodesStayLinearizableUnderEveryFault() throws IOException {
        Set<FaultKind> kinds = ItSupport.everyFault(3, DockerCluster.UNSUPPORTED);
        RunResult r = ChaosRun.execute(docker(ItSupport.optionsCovering(3, kinds)));
        ItSupport.assertHealthy(r, kinds);
        assertTrue(Files.size(r.dir().resolve("n1").resolve("server.log")) > 0, "node logs are kept with the run");
        DockerSuite.assertNothingLeft();
    }

    @Test
    void fiveNodesStayLinearizableUnderEveryFault() throws IOException {
        Set<FaultKind> kinds = ItSupport.everyFault(5, DockerCluster.UNSUPPORTED);
        RunResult r = ChaosRun.execute(docker(ItSupport.optionsCovering(5, kinds)));
        ItSupport.assertHealthy(r, kinds);
        DockerSuite.assertNothingLeft();
    }

    /** Both negative controls in one run, as in the local suite. */
    @Test
    void negativeControlsStaleReadsAndRetriesOutsideTheSessionAreCaught() {
        Set<FaultKind> kinds = EnumSet.of(FaultKind.ISOLATE, FaultKind.ISOLATE_LEADER);
        RunOptions o = docker(ItSupport.options(3, kinds, Duration.ofSeconds(20), ItSupport.seed()).withUnsafeLocalReads(true)
                .withLibrary(LibraryOptions.DEFAULT.withBrokenSessions(true)));
        RunResult r = ChaosRun.execute(o);
        String where = " (seed " + o.seed() + ", report " + r.dir().resolve("report.html") + ")";
        assertTrue(r.harnessErrors().isEmpty(), "harness problems: " + r.harnessErrors() + where);
        assertEquals(Verdict.INVALID, r.linearizability().verdict(),
                "stale reads from --unsafe-local-reads behind iptables partitions went unnoticed" + where);
        assertFalse(r.linearizability().invalid().isEmpty());
        ItSupport.assertBrokenSessionsCaught(r, where);
        assertEquals(1, r.exitCode());
        DockerSuite.assertNothingLeft();
    }
}
