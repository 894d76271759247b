package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every public operation once against a real 3-node cluster (one cluster for the class: starting one costs seconds). */
class ApiRoundTripTest {
    @TempDir
    static Path dir;
    private static RealCluster cluster;
    private static RaftKvClient client;

    @BeforeAll
    static void start() {
        cluster = new RealCluster(dir, 3);
        cluster.awaitLeader();
        client = RaftKvClient.builder().endpoints(cluster.endpoints()).scanPageSize(3).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void putGetDeleteAndMissingKeysAsValues() throws Exception {
        PutResult p = client.put("rt/a", "1");
        assertEquals(1, p.version());
        assertEquals(p.modIndex(), p.header().index());
        GetResult g = client.get("rt/a");
        assertTrue(g.found());
        KeyValue kv = g.kv().orElseThrow();
        assertEquals("rt/a", kv.keyUtf8());
        assertEquals("1", kv.valueUtf8());
        assertEquals(p.modIndex(), kv.modIndex());
        assertEquals(p.modIndex(), kv.createIndex());
        assertTrue(g.header().index() >= p.modIndex(), "a linearizable read observes the acknowledged write");

        PutResult p2 = client.putAsync("rt/a", "2").get();
        assertEquals(2, p2.version());
        assertEquals(p.modIndex(), client.get("rt/a").kv().orElseThrow().createIndex());

        assertFalse(client.get("rt/missing").found());
        assertTrue(client.get("rt/missing").valueUtf8().isEmpty());
        assertTrue(client.delete("rt/a").deleted());
        assertFalse(client.deleteAsync("rt/a").get().deleted());
        assertFalse(client.getAsync("rt/a").get().found());
    }

    @Test
    void compareAndSetByAbsenceVersionAndValue() {
        assertTrue(client.compareAndSet("cas/k", Expected.absent(), "a").succeeded());
        CasResult lost = client.compareAndSet("cas/k", Expected.absent(), "b");
        assertFalse(lost.succeeded());
        assertEquals("a", lost.current().orElseThrow().valueUtf8(), "a failed compare shows the current state");
        CasResult byVersion = client.compareAndSet("cas/k", Expected.version(1), "b");
        assertTrue(byVersion.succeeded());
        assertEquals(2, byVersion.current().orElseThrow().version());
        assertFalse(client.compareAndSet("cas/k", Expected.value("a"), "c").succeeded());
        assertTrue(client.compareAndSet("cas/k", Expected.value("b"), "c").succeeded());
        assertFalse(client.compareAndSet("cas/none", Expected.version(3), "x").current().isPresent());
    }

    @Test
    void scanPagesTransparently() throws Exception {
        IntStream.range(0, 10).forEach(i -> client.put(String.format("scan/%02d", i), "v" + i));
        client.put("scan0", "outside the prefix");
        List<String> keys = client.scan(Scan.prefix("scan/")).map(KeyValue::keyUtf8).collect(Collectors.toList());
        assertEquals(IntStream.range(0, 10).mapToObj(i -> String.format("scan/%02d", i)).toList(), keys,
                "ten keys over four pages of three");
        assertEquals(List.of("scan/03", "scan/04"), client.scan(Scan.range("scan/03", "scan/05"))
                .map(KeyValue::keyUtf8).toList());
        assertEquals(2, client.scan(Scan.prefix("scan/").withPageSize(1)).limit(2).count(), "lazy: stops early");
        ScanPage first = client.scanPageAsync(Scan.prefix("scan/").withPageSize(4), ByteString.EMPTY).get();
        assertEquals(4, first.kvs().size());
        assertFalse(first.last());
        ScanPage second = client.scanPageAsync(Scan.prefix("scan/").withPageSize(4), first.nextPageToken()).get();
        assertEquals("scan/04", second.kvs().get(0).keyUtf8());
    }

    @Test
    void transactionsRunOneBranchAtomically() {
        client.put("txn/k", "0");
        TxnResult r = client.txn()
                .when(Compare.version("txn/k", CompareOp.EQUAL, 1), Compare.value("txn/k", CompareOp.EQUAL, "0"))
                .then(TxnOp.put("txn/k", "1"), TxnOp.put("txn/other", "x"),
                        TxnOp.range(ByteString.copyFromUtf8("txn/"), ByteString.copyFromUtf8("txn0"), 10))
                .otherwise(TxnOp.delete("txn/k"))
                .commit();
        assertTrue(r.succeeded());
        assertEquals(3, r.results().size());
        assertInstanceOf(PutResult.class, r.results().get(0));
        RangeResult range = (RangeResult) r.results().get(2);
        assertEquals(List.of("txn/k", "txn/other"), range.kvs().stream().map(KeyValue::keyUtf8).toList());

        TxnResult miss = client.txn().when(Compare.version("txn/k", CompareOp.EQUAL, 1))
                .then(TxnOp.put("txn/k", "never")).otherwise(TxnOp.delete("txn/other")).commit();
        assertFalse(miss.succeeded());
        assertTrue(((DeleteResult) miss.results().get(0)).deleted());
        assertEquals("1", client.get("txn/k").valueUtf8().orElseThrow());
    }

    @Test
    void serializableReadsAreServedByEveryNode() {
        client.put("ser/k", "v");
        // Each node answers in turn; followers may lag, so poll until all have applied the write.
        RealCluster.await(Duration.ofSeconds(10), "every node to serve the write", () -> {
            java.util.Set<Long> served = new java.util.HashSet<>();
            for (int i = 0; i < 6; i++) {
                GetResult g = client.get("ser/k", ReadConsistency.SERIALIZABLE);
                if (!g.found()) {
                    return false;
                }
                served.add(g.header().memberId());
            }
            return served.size() == 3;
        });
    }

    @Test
    void statusNamesTheLeaderAndMembers() {
        ClusterStatus s = client.status();
        assertEquals(3, s.members().size());
        assertTrue(s.leaderId() != 0);
        assertEquals(cluster.clientAddrs.get(s.leaderId()), s.leaderAddress());
        assertTrue(client.knownEndpoints().containsAll(cluster.endpoints()));
    }

    @Test
    void limitsAreReportedAndNeverRetried() throws Exception {
        String bigKey = "k".repeat(5000);
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> client.put(bigKey, "v"));
        assertEquals("max-key-bytes", e.limitName());
        assertEquals(4096, e.limit());
        assertEquals(5000, e.actual());
        CompletableFuture<GetResult> f = client.getAsync(bigKey);
        ExecutionException ee = assertThrows(ExecutionException.class, f::get);
        assertInstanceOf(InvalidArgumentException.class, ee.getCause());
    }

    @Test
    void sessionsOfferTheWholeWriteApi() {
        try (Session s = client.session()) {
            assertTrue(s.id() != 0);
            assertEquals(1, s.put("ses/k", "a").version());
            assertTrue(s.compareAndSet("ses/k", Expected.version(1), "b").succeeded());
            assertTrue(s.txn().when(Compare.value("ses/k", CompareOp.EQUAL, "b")).then(TxnOp.put("ses/k", "c")).commit()
                    .succeeded());
            assertTrue(s.delete("ses/k").deleted());
        }
        assertFalse(client.get("ses/k").found());
    }
}
