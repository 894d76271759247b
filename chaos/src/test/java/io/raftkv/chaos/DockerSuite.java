package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * How the docker suites decide to run: skipped, with the reason, where no Docker engine answers; a
 * failure instead when {@code RAFTKV_CHAOS_DOCKER=required} (or {@code -Dchaos.docker=required}), which
 * {@code .ci/run} sets after starting its engine, so CI can never pass by skipping them.
 */
final class DockerSuite {
    private static boolean warned;
    private DockerSuite() {
    }

    static boolean required() {
        String p = System.getProperty("chaos.docker", System.getenv("RAFTKV_CHAOS_DOCKER"));
        return p != null && p.trim().equalsIgnoreCase("required");
    }

    static synchronized void assumeDocker() {
        Optional<String> problem = DockerEnvironment.problem();
        if (problem.isEmpty()) {
            return;
        }
        if (required()) {
            fail("the docker suite is required here (RAFTKV_CHAOS_DOCKER=required) but cannot run: " + problem.get());
        }
        String why = "docker chaos suite skipped: " + problem.get() + ". Install and start a Docker engine to run it "
                + "(.ci/docker-up does: apt-get install docker.io, dockerd); RAFTKV_CHAOS_DOCKER=required turns this skip into a failure";
        if (!warned) {
            warned = true;
            System.err.println("WARNING: " + why);
        }
        Assumptions.abort(why);
    }

    /** No container or network labelled as started by this JVM is left. */
    static void assertNothingLeft() {
        assertNothingLeft(ProcessHandle.current().pid());
    }

    /** What a harness process started and left behind: containers and networks labelled with its pid. */
    static List<String> leftBy(long harnessPid) {
        DockerClient docker = DockerEnvironment.client();
        String pid = Long.toString(harnessPid);
        List<String> left = new java.util.ArrayList<>();
        docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(DockerCluster.PID_LABEL, pid)).exec()
                .forEach(c -> left.add("container " + String.join(",", c.getNames())));
        docker.listNetworksCmd().withFilter("label", List.of(DockerCluster.PID_LABEL + "=" + pid)).exec()
                .forEach(n -> left.add("network " + n.getName()));
        return left;
    }

    static void assertNothingLeft(long harnessPid) {
        assertEquals(List.of(), leftBy(harnessPid), "docker objects harness " + harnessPid + " left behind");
    }
}
