package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.raftkv.proto.RemoveMemberRequest;
import io.raftkv.storage.StorageFaults;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: health that tells the truth, through every transition, on gRPC health and HTTP alike. It used
 * to answer SERVING on a node without a quorum, and every HTTP path answered 200 with the metrics page.
 */
class HealthTest {
    @TempDir
    Path dir;

    private static final UnaryOperator<ServerConfig> WITH_METRICS = TestCluster.WITH_METRICS;

    private static HttpResponse<String> get(TestCluster c, long id, String path) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.server(id).metricsPort() + path))
                .timeout(Duration.ofSeconds(5)).build();
        try {
            return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int http(TestCluster c, long id, String path) {
        return get(c, id, path).statusCode();
    }

    private static String body(TestCluster c, long id, String path) {
        return get(c, id, path).body();
    }

    private static ServingStatus grpc(TestCluster c, long id) {
        ManagedChannel ch = NettyChannelBuilder.forTarget(c.clientAddrs.get(id)).usePlaintext().build();
        try {
            return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("").build()).getStatus();
        } finally {
            ch.shutdownNow();
        }
    }

    private static void awaitReady(TestCluster c, long id, boolean ready) {
        TestCluster.await(Duration.ofSeconds(15), "node " + id + (ready ? " ready" : " not ready"), () ->
                c.server(id).health().ready() == ready
                        && grpc(c, id) == (ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING)
                        && http(c, id, "/readyz") == (ready ? 200 : 503));
    }

    @Test
    void quorumLossAndReturn() throws Exception {
        try (TestCluster c = new TestCluster(dir, 3, WITH_METRICS)) {
            long leader = c.awaitLeader();
            for (long id = 1; id <= 3; id++) {
                awaitReady(c, id, true);
                assertEquals(200, http(c, id, "/livez"));
                assertEquals(200, http(c, id, "/metrics"));
                assertEquals(404, http(c, id, "/anything"), "not the metrics page for every path");
            }
            assertTrue(body(c, leader, "/health").contains("\"health\":\"true\""));
            // Two of three gone: the survivor has no leader and must say so.
            long survivor = c.follower();
            for (long id = 1; id <= 3; id++) {
                if (id != survivor) {
                    c.kill(id);
                }
            }
            awaitReady(c, survivor, false);
            assertEquals(200, http(c, survivor, "/livez"), "alive, just not ready");
            String detail = body(c, survivor, "/readyz?verbose");
            assertTrue(detail.contains("\"name\":\"leader\",\"ok\":false"), detail);
            for (long id = 1; id <= 3; id++) {
                if (id != survivor) {
                    c.start(id);
                }
            }
            c.awaitLeader();
            awaitReady(c, survivor, true);
        }
    }

    @Test
    void aRemovedNodeIsNotReady() throws Exception {
        try (TestCluster c = new TestCluster(dir, 3, WITH_METRICS)) {
            long leader = c.awaitLeader();
            long victim = c.follower();
            awaitReady(c, victim, true);
            c.cluster(leader).removeMember(RemoveMemberRequest.newBuilder().setId(victim).build());
            awaitReady(c, victim, false);
            assertTrue(body(c, victim, "/readyz").contains("removed"), body(c, victim, "/readyz"));
        }
    }

    @Test
    void aFailedDiskIsNotLive() throws Exception {
        StorageFaults faults = new StorageFaults();
        try (TestCluster c = new TestCluster(dir, 3, WITH_METRICS, tc -> tc.faults.put(2L, faults))) {
            c.awaitLeader();
            awaitReady(c, 2, true);
            faults.failWritesWith(new IOException("EIO (injected)"));
            TestCluster.await(Duration.ofSeconds(15), "node 2 not live", () -> http(c, 2, "/livez") == 503);
            awaitReady(c, 2, false);
            assertTrue(body(c, 2, "/livez").contains("EIO"), body(c, 2, "/livez"));
        }
    }
}
