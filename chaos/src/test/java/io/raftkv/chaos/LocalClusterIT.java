package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The local backend (server processes, the fault proxy, signals) against the cluster contract. */
class LocalClusterIT extends ClusterContract {
    @Override
    Cluster newCluster(Path dir) {
        return new LocalCluster(new LocalCluster.Settings(ItSupport.serverJar(), dir, 3, Duration.ofMillis(50), 10, false,
                LocalCluster.Settings.DEFAULT_JAVA_OPTS, Duration.ofSeconds(60)));
    }

    @Override
    void assertNothingLeft(Cluster cluster, int starts) {
        List<Long> pids = ((LocalCluster) cluster).startedPids();
        assertEquals(starts, pids.size(), "server processes started: " + pids);
        ItSupport.assertNoProcessLeft(pids);
    }

    @Override
    void crashBehindTheHarness(Cluster cluster, int node) {
        ProcessHandle.of(((LocalCluster) cluster).pid(node)).orElseThrow().destroyForcibly();
    }

    @Override
    LinkFaults faultsOf(Cluster cluster, Link link) {
        return ((LocalCluster) cluster).faults(link);
    }
}
