package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.netty.NettyChannelBuilder;
import io.raftkv.proto.PutRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write whose answer is lost (the connection drops after the leader applied it) while leadership moves:
 * through a session the retry reaches the new leader with the same sequence number and gets the original
 * result; outside a session the client refuses to guess.
 */
class SessionRetryTest {
    @TempDir
    Path dir;

    @Test
    void sessionWriteRetriedAfterALeaderChangeReturnsTheOriginalResultAndAppliesOnce() {
        try (RealCluster cluster = new RealCluster(dir, 3)) {
            long leader = cluster.awaitLeader();
            long other = cluster.running().stream().filter(id -> id != leader).findFirst().orElseThrow();
            LostResponseChannel.Fault fault = new LostResponseChannel.Fault();
            try (RaftKvClient client = RaftKvClient.builder().endpoints(cluster.endpoints())
                    .channelFactory(a -> new LostResponseChannel(NettyChannelBuilder.forTarget(a).usePlaintext().build(), fault))
                    .build()) {
                Session session = client.session();
                assertEquals(1, session.put("k", "v1").version());

                // The leader applies v2, the answer is lost, and leadership moves before the client hears of it.
                fault.loseResponseOf = r -> r instanceof PutRequest p && p.getValue().toStringUtf8().equals("v2");
                fault.beforeFailing = () -> cluster.transferLeadership(other);
                PutResult r = session.put("k", "v2");

                assertEquals(other, cluster.awaitLeader(), "leadership moved during the write");
                assertEquals(2, r.version(), "the original result: v2 was the key's second version");
                KeyValue kv = client.get("k").kv().orElseThrow();
                assertEquals("v2", kv.valueUtf8());
                assertEquals(2, kv.version(), "applied once, not twice");
                assertEquals(kv.modIndex(), r.modIndex(), "the retry was answered from the session, not re-applied");

                List<PutRequest> v2 = fault.sent.stream().filter(x -> x instanceof PutRequest).map(x -> (PutRequest) x)
                        .filter(p -> p.getValue().toStringUtf8().equals("v2")).toList();
                assertTrue(v2.size() >= 2, "the write was retried: " + v2.size() + " attempts");
                assertEquals(1, v2.stream().map(PutRequest::getContext).distinct().count(),
                        "every attempt carried the same session and sequence number");
                assertNotEquals(0, v2.get(0).getContext().getSessionId());
                session.close();
            }
        }
    }

    @Test
    void withoutASessionALostAnswerIsIndeterminateAndNotRetried() {
        try (RealCluster cluster = new RealCluster(dir, 3)) {
            cluster.awaitLeader();
            LostResponseChannel.Fault fault = new LostResponseChannel.Fault();
            try (RaftKvClient client = RaftKvClient.builder().endpoints(cluster.endpoints())
                    .requestTimeout(Duration.ofSeconds(10))
                    .channelFactory(a -> new LostResponseChannel(NettyChannelBuilder.forTarget(a).usePlaintext().build(), fault))
                    .build()) {
                client.put("k", "v1");
                fault.loseResponseOf = r -> r instanceof PutRequest p && p.getValue().toStringUtf8().equals("v2");
                assertThrows(IndeterminateException.class, () -> client.put("k", "v2"));
                assertEquals(1, fault.sent.stream().filter(x -> x instanceof PutRequest p
                        && p.getValue().toStringUtf8().equals("v2")).count(), "no blind retry");
                KeyValue kv = client.get("k").kv().orElseThrow();
                assertEquals("v2", kv.valueUtf8(), "it was in fact applied: the read settles the unknown outcome");
                assertEquals(2, kv.version());
            }
        }
    }
}
