package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's membership calls against a real cluster: outcomes, refusals and their exception types. */
class MembershipApiTest {
    @TempDir
    Path dir;

    @Test
    void addPromoteRemoveAndTheirRefusals() {
        try (RealCluster cluster = new RealCluster(dir, 3);
             RaftKvClient client = RaftKvClient.builder().endpoints(cluster.endpoints())
                     .requestTimeout(Duration.ofSeconds(2)).build()) {
            cluster.awaitLeader();
            String peer = "127.0.0.1:" + io.raftkv.server.ServerTestSupport.freePorts(1)[0];
            MembershipChange added = client.addMember(4, peer, "", true);
            assertEquals(client.status().clusterId(), added.clusterId());
            assertTrue(added.members().contains(new ClusterStatus.Member(4, peer, "", true)), added.toString());
            assertTrue(added.index() > 0);

            InvalidArgumentException twice = assertThrows(InvalidArgumentException.class,
                    () -> client.addMember(4, peer, "", true));
            assertTrue(twice.getMessage().contains("already a member"), twice.getMessage());
            // Never started, so never caught up: refused (and retried) until the request timeout, never applied.
            UnavailableException notReady = assertThrows(UnavailableException.class, () -> client.promoteMember(4));
            assertTrue(notReady.getMessage().contains("has not caught up"), notReady.getMessage());

            MembershipChange removed = client.removeMember(4);
            assertFalse(removed.members().stream().anyMatch(m -> m.id() == 4), removed.toString());
            assertEquals(3, removed.members().size());
            InvalidArgumentException reused = assertThrows(InvalidArgumentException.class,
                    () -> client.addMember(4, peer, "", true));
            assertTrue(reused.getMessage().contains("never reused"), reused.getMessage());
            assertThrows(InvalidArgumentException.class, () -> client.removeMember(9));
        }
    }
}
