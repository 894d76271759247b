package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.proto.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One node left of three: serializable reads still work, everything else fails fast and cleanly. */
class DegradedClusterTest {
    @TempDir
    Path dir;

    @Test
    void withoutQuorumSerializableReadsWorkAndTheRestFailsWithUnavailable() {
        try (RealCluster cluster = new RealCluster(dir, 3);
             RaftKvClient client = RaftKvClient.builder().endpoints(cluster.endpoints())
                     // The budget, not the deadline, ends these calls: a write is never cut off in flight.
                     .requestTimeout(Duration.ofSeconds(5)).attemptTimeout(Duration.ofMillis(500)).maxAttempts(4).build()) {
            cluster.awaitLeader();
            client.put("k", "v");
            long survivor = cluster.running().get(0);
            cluster.awaitCaughtUp(survivor);
            for (long id : List.copyOf(cluster.running())) {
                if (id != survivor) {
                    cluster.stop(id);
                }
            }
            // Check-quorum makes a leader without a quorum step down; wait for it so the write below is refused
            // before proposing (otherwise it could sit in the survivor's log, outcome unknown).
            RealCluster.await(Duration.ofSeconds(10), "the survivor to know it has no leader",
                    () -> cluster.status(survivor).getRole() != Role.LEADER && cluster.status(survivor).getLeaderId() == 0);

            GetResult stale = client.get("k", ReadConsistency.SERIALIZABLE);
            assertEquals("v", stale.valueUtf8().orElseThrow(), "graceful degradation: the local replica answers");
            assertEquals(survivor, stale.header().memberId());

            long t0 = System.nanoTime();
            assertThrows(UnavailableException.class, () -> client.get("k"));
            UnavailableException w = assertThrows(UnavailableException.class, () -> client.put("k", "w"));
            assertTrue(w.getMessage().contains("put"), w.getMessage());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(8).toNanos(), "bounded by the budget");
        }
    }
}
