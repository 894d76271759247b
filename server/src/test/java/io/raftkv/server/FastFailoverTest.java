package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.google.protobuf.ByteString;
import io.raftkv.proto.PutRequest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover after the leader's process dies (issue 11): its peer port refuses connections, so the
 * followers know it is gone and elect a new leader without waiting out its lease. With an election
 * timeout of 6-12 s, only that path can elect within the 5 s this test allows (generous: a loaded 2-core
 * CI machine once took more than 2.5 s).
 */
class FastFailoverTest {
    @TempDir
    Path dir;

    @Test
    void aKilledLeaderIsReplacedWithoutWaitingOutItsLease() {
        java.util.function.UnaryOperator<ServerConfig> slowElections = x -> new ServerConfig(x.nodeId(), x.clusterToken(),
                x.initialCluster(), x.clientListen(), x.peerListen(), x.dataDir(), Duration.ofMillis(100), 60, 1,
                x.limits(), x.requestTimeout(), x.snapshotEvery(), x.retainEntries(), false, null, null);
        try (TestCluster c = new TestCluster(dir, 3, slowElections)) {
            long leader = c.awaitLeaderWithin(Duration.ofSeconds(20));
            c.kv(leader).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v")).build());
            c.kill(leader);
            long next = c.awaitLeaderWithin(Duration.ofSeconds(5));
            assertNotEquals(leader, next);
        }
    }
}
