package io.raftkv.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.PutResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The redirect-following, retrying helper against in-process fake nodes. */
class ClusterClientTest {
    private final FakeCluster cluster = new FakeCluster(3, 3);

    @AfterEach
    void close() throws InterruptedException {
        cluster.close();
    }

    private ClusterClient client(Duration timeout, String... endpoints) {
        return new ClusterClient(List.of(endpoints), timeout, FakeCluster::channel, Duration.ofSeconds(1), Duration.ofMillis(1));
    }

    private static PutResponse put(ClusterClient c, String key, String value) {
        PutRequest req = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
        return c.call(ClusterClient.Kind.WRITE, (ch, dl) -> KVGrpc.newBlockingStub(ch).withDeadline(dl).put(req));
    }

    private static GetResponse get(ClusterClient c, String key) {
        GetRequest req = GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build();
        return c.call(ClusterClient.Kind.READ, (ch, dl) -> KVGrpc.newBlockingStub(ch).withDeadline(dl).get(req));
    }

    @Test
    void followsNotLeaderRedirectFromTheTrailer() {
        try (ClusterClient c = client(Duration.ofSeconds(5), cluster.node(1).address)) {
            PutResponse r = put(c, "k", "v");
            assertEquals(3, r.getHeader().getMemberId(), "answered by the leader");
            assertEquals(1, cluster.node(1).calls.get(), "one try at the follower");
            assertEquals(1, cluster.node(3).calls.get(), "then straight to the leader's address");
            assertEquals(0, cluster.node(2).calls.get());
        }
    }

    @Test
    void skipsAnUnreachableEndpoint() {
        try (ClusterClient c = client(Duration.ofSeconds(5), "127.0.0.1:1", cluster.node(3).address)) {
            assertEquals(3, put(c, "k", "v").getHeader().getMemberId());
        }
    }

    @Test
    void retriesNoLeaderAndOverloadWithBackoff() {
        FakeNode leader = cluster.node(3);
        leader.script.add(FakeNode.failWith(Status.UNAVAILABLE.withDescription("election"), ErrorDetail.Code.NO_LEADER));
        leader.script.add(FakeNode.failWith(Status.RESOURCE_EXHAUSTED, ErrorDetail.Code.OVERLOADED));
        leader.script.add(() -> Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException());
        try (ClusterClient c = client(Duration.ofSeconds(5), leader.address)) {
            assertEquals(3, put(c, "k", "v").getHeader().getMemberId());
            assertEquals(4, leader.calls.get());
        }
    }

    @Test
    void notLeaderWithoutAddressTriesTheNextEndpoint() {
        cluster.node(1).script.add(FakeNode.failWith(Status.FAILED_PRECONDITION, ErrorDetail.Code.NOT_LEADER));
        try (ClusterClient c = client(Duration.ofSeconds(5), cluster.node(1).address, cluster.node(3).address)) {
            assertEquals(3, put(c, "k", "v").getHeader().getMemberId());
            assertEquals(1, cluster.node(1).calls.get());
        }
    }

    @Test
    void invalidArgumentFailsAtOnceWithTheLimit() {
        FakeNode leader = cluster.node(3);
        leader.script.add(() -> FakeNode.error(Status.INVALID_ARGUMENT.withDescription("key too large"),
                ErrorDetail.newBuilder().setCode(ErrorDetail.Code.INVALID).setLimitName("max-key-bytes")
                        .setLimit(4096).setActual(5000).build()));
        try (ClusterClient c = client(Duration.ofSeconds(5), leader.address)) {
            CliException e = assertThrows(CliException.class, () -> put(c, "k", "v"));
            assertEquals("INVALID_ARGUMENT/INVALID: key too large (limit max-key-bytes=4096, actual 5000)", e.getMessage());
            assertEquals(1, leader.calls.get(), "never retried");
        }
    }

    @Test
    void writeWithUnknownOutcomeIsReportedNotRetried() {
        FakeNode leader = cluster.node(3);
        leader.script.add(FakeNode.failWith(Status.UNAVAILABLE.withDescription("no quorum"), ErrorDetail.Code.NO_QUORUM));
        try (ClusterClient c = client(Duration.ofSeconds(5), leader.address)) {
            CliException e = assertThrows(CliException.class, () -> put(c, "k", "v"));
            assertTrue(e.getMessage().startsWith("UNAVAILABLE/NO_QUORUM: no quorum"), e.getMessage());
            assertTrue(e.getMessage().endsWith("(the write may or may not have been applied)"), e.getMessage());
            assertEquals(1, leader.calls.get());
        }
    }

    @Test
    void readsRetryNoQuorumAndServerTimeouts() {
        FakeNode leader = cluster.node(3);
        leader.script.add(FakeNode.failWith(Status.UNAVAILABLE, ErrorDetail.Code.NO_QUORUM));
        leader.script.add(FakeNode.failWith(Status.DEADLINE_EXCEEDED, ErrorDetail.Code.TIMEOUT));
        try (ClusterClient c = client(Duration.ofSeconds(5), leader.address)) {
            assertEquals(false, get(c, "k").getFound());
            assertEquals(3, leader.calls.get());
        }
    }

    @Test
    void givesUpAtTheDeadlineNamingTheLastFailure() {
        for (int i = 0; i < 10_000; i++) {
            cluster.node(3).script.add(FakeNode.failWith(Status.UNAVAILABLE.withDescription("electing"), ErrorDetail.Code.NO_LEADER));
        }
        try (ClusterClient c = client(Duration.ofMillis(300), cluster.node(3).address)) {
            CliException e = assertThrows(CliException.class, () -> get(c, "k"));
            assertEquals(CliException.FAILED, e.exitCode());
            assertTrue(e.getMessage().startsWith("no answer within 300ms (last: " + cluster.node(3).address
                    + ": UNAVAILABLE/NO_LEADER: electing)"), e.getMessage());
        }
    }

    @Test
    void redirectPingPongEndsAtTheDeadline() {
        // Nodes 1 and 2 each believe the other leads: stale views during an election.
        cluster.shared.leaderId = 0;
        for (int i = 0; i < 10_000; i++) {
            cluster.node(1).script.add(() -> FakeNode.error(Status.FAILED_PRECONDITION, ErrorDetail.newBuilder()
                    .setCode(ErrorDetail.Code.NOT_LEADER).setLeaderAddress(cluster.node(2).address).build()));
            cluster.node(2).script.add(() -> FakeNode.error(Status.FAILED_PRECONDITION, ErrorDetail.newBuilder()
                    .setCode(ErrorDetail.Code.NOT_LEADER).setLeaderAddress(cluster.node(1).address).build()));
        }
        try (ClusterClient c = new ClusterClient(List.of(cluster.node(1).address), Duration.ofMillis(300),
                FakeCluster::channel, Duration.ofSeconds(1), Duration.ofMillis(20))) {
            CliException e = assertThrows(CliException.class, () -> put(c, "k", "v"));
            assertTrue(e.getMessage().startsWith("no answer within 300ms"), e.getMessage());
            assertTrue(cluster.node(1).calls.get() < 100, "backs off instead of spinning: " + cluster.node(1).calls.get());
        }
    }
}
