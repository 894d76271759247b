package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;

/** The docker backend (containers, iptables inside them, docker kill/stop/pause) against the cluster contract. */
class DockerClusterIT extends ClusterContract {
    @BeforeEach
    void docker() {
        DockerSuite.assumeDocker();
    }

    @Override
    Cluster newCluster(Path dir) {
        return new DockerCluster(new DockerCluster.Settings(ItSupport.serverJar(), dir, 3, Duration.ofMillis(50), 10, false,
                LocalCluster.Settings.DEFAULT_JAVA_OPTS, Duration.ofSeconds(90), null));
    }

    @Override
    void assertNothingLeft(Cluster cluster, int starts) {
        DockerCluster d = (DockerCluster) cluster;
        assertEquals(starts, d.starts(), "container starts");
        assertEquals(java.util.List.of(), d.leftovers());
        assertEquals(true, dir.resolve("n1").resolve("server.log").toFile().length() > 0, "node logs are kept");
    }

    @Override
    void crashBehindTheHarness(Cluster cluster, int node) {
        DockerEnvironment.client().killContainerCmd(((DockerCluster) cluster).containerId(node)).withSignal("KILL").exec();
    }

    @Override
    LinkFaults faultsOf(Cluster cluster, Link link) {
        return ((DockerCluster) cluster).faults(link);
    }

    @Override
    boolean delaysLinks() {
        return false;
    }
}
