package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.PutRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Prometheus endpoint, scraped over HTTP from a live 3-node cluster. */
class MetricsTest {
    @TempDir
    Path dir;

    private static String scrape(RaftKvServer s) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + s.metricsPort() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    /** The value of the first sample whose line starts with {@code name} and contains every label given. */
    private static OptionalDouble value(String text, String name, String... labels) {
        Pattern p = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = p.matcher(text);
        while (m.find()) {
            String l = m.group(1) == null ? "" : m.group(1);
            boolean all = true;
            for (String label : labels) {
                all &= l.contains(label);
            }
            if (all) {
                return OptionalDouble.of(Double.parseDouble(m.group(2)));
            }
        }
        return OptionalDouble.empty();
    }

    @Test
    void leadershipIndexesFsyncLatencyAndEveryRpcOutcomeAreExported() throws Exception {
        try (TestCluster c = new TestCluster(dir, 3, x -> new ServerConfig(x.nodeId(), x.clusterToken(), x.initialCluster(),
                x.clientListen(), x.peerListen(), x.dataDir(), x.tick(), x.electionTicks(), x.heartbeatTicks(), x.limits(),
                x.requestTimeout(), x.snapshotEvery(), x.retainEntries(), false, null, "127.0.0.1:0"))) {
            long leader = c.awaitLeader();
            long follower = c.follower();
            for (int i = 0; i < 5; i++) {
                c.kv(leader).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))
                        .setValue(ByteString.copyFromUtf8("v")).build());
            }
            assertThrows(StatusRuntimeException.class, () -> c.kv(follower).put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v")).build()));

            // Ops on a batch stream count as requests of their own methods; the stream's lifetime is no latency.
            BatchStreamTest.Stream batch = new BatchStreamTest.Stream(c.channel(leader))
                    .send(BatchStreamTest.put(1, "b1", "v", ""), BatchStreamTest.put(2, "b2", "v", ""));
            batch.await(1);
            batch.await(2);
            batch.requests.onCompleted();
            batch.ended.join();

            String l = scrape(c.servers.get(leader));
            assertEquals(1.0, value(l, "raftkv_server_is_leader").orElseThrow(), l);
            assertEquals(1.0, value(l, "raftkv_grpc_server_handled_total", "method=\"raftkv.v1.KV/Batch\"", "code=\"OK\"")
                    .orElseThrow(), l);
            assertTrue(value(l, "raftkv_grpc_server_handling_seconds_count", "method=\"raftkv.v1.KV/Batch\"").isEmpty(), l);
            assertEquals(1.0, value(l, "raftkv_server_has_leader").orElseThrow());
            assertEquals(0.0, value(l, "raftkv_server_halted").orElseThrow());
            assertEquals(3.0, value(l, "raftkv_server_voters").orElseThrow());
            assertEquals(0.0, value(l, "raftkv_server_learners").orElseThrow());
            assertEquals(0.0, value(l, "raftkv_server_removed").orElseThrow());
            assertTrue(value(l, "raftkv_server_commit_index").orElseThrow() >= 8, "bootstrap, no-op and seven puts");
            assertTrue(value(l, "raftkv_server_leader_changes_seen_total").orElseThrow() >= 1);
            assertEquals(7.0, value(l, "raftkv_grpc_server_handled_total", "method=\"raftkv.v1.KV/Put\"", "code=\"OK\"")
                    .orElseThrow(), l);
            assertTrue(value(l, "raftkv_grpc_server_handling_seconds_count", "method=\"raftkv.v1.KV/Put\"").orElseThrow() >= 7);
            assertTrue(value(l, "raftkv_disk_wal_fsync_duration_seconds_count").orElseThrow() >= 5, "synced Readies are timed");
            assertTrue(value(l, "raftkv_server_follower_lag_entries", "peer=\"" + follower + "\"").isPresent(),
                    "the leader reports each follower's lag: " + l);

            String f = scrape(c.servers.get(follower));
            assertEquals(0.0, value(f, "raftkv_server_is_leader").orElseThrow());
            assertEquals(1.0, value(f, "raftkv_grpc_server_handled_total", "method=\"raftkv.v1.KV/Put\"",
                    "code=\"FAILED_PRECONDITION\"").orElseThrow(), "the redirect is counted by its status: " + f);
            assertTrue(value(f, "raftkv_server_follower_lag_entries").isEmpty(), "followers report no lag");

            // Issue 14: the families operators expect beside etcd's, and the JVM and process collectors.
            for (String name : List.of("raftkv_server_proposals_applied_total", "raftkv_server_proposals_failed_total",
                    "raftkv_server_proposals_pending", "raftkv_server_read_index_rounds_total",
                    "raftkv_server_read_indexes_failed_total", "raftkv_server_apply_duration_seconds_count",
                    "raftkv_disk_backend_size_bytes", "raftkv_server_alarm", "jvm_memory_used_bytes",
                    "process_resident_memory_bytes", "process_cpu_seconds_total", "jvm_gc_collection_seconds_count")) {
                assertTrue(l.contains(name), name + " is missing from " + l);
            }
            assertTrue(value(l, "raftkv_server_proposals_applied_total").orElseThrow() >= 6, l);
            assertTrue(value(l, "raftkv_server_version_info").isPresent(), "build/version info: " + l);
            assertTrue(value(f, "raftkv_network_peer_received_bytes_total", "peer=\"" + leader + "\"").orElseThrow() > 0,
                    "bytes from the leader: " + f);
            assertTrue(value(l, "raftkv_network_peer_sent_bytes_total", "peer=\"" + follower + "\"").orElseThrow() > 0, l);
            TestCluster.await(java.time.Duration.ofSeconds(10), "a probe round trip to each peer", () -> {
                try {
                    return value(scrape(c.servers.get(leader)), "raftkv_network_peer_round_trip_time_seconds_count",
                            "peer=\"" + follower + "\"").orElse(0) >= 1;
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            c.kv(follower).get(io.raftkv.proto.GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("k1")).build());
            assertTrue(value(scrape(c.servers.get(follower)), "raftkv_server_read_index_rounds_total").orElseThrow() >= 1,
                    "a follower serves a linearizable read through its own ReadIndex round");
        }
    }
}
