package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftkv.proto.RemoveMemberRequest;
import io.raftkv.proto.AddMemberRequest;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.DeleteOp;
import io.raftkv.proto.DeleteRequest;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.KeyValue;
import io.raftkv.proto.OpenSessionRequest;
import io.raftkv.proto.PutOp;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.ScanRequest;
import io.raftkv.proto.ScanResponse;
import io.raftkv.proto.TxnOp;
import io.raftkv.proto.TxnRequest;
import io.raftkv.proto.WriteContext;
import io.raftkv.server.cli.CliRunner;
import io.raftkv.storage.BackupFile;
import io.raftkv.storage.BackupInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and disaster recovery end to end: real nodes over gRPC, the CLI's own code path for save (the cli
 * module, through the client library), status and restore (the server jar's offline commands), and a new
 * cluster started on the restored data directories. In the server's test package for its TestCluster.
 */
class BackupEndToEndTest {
    @TempDir
    Path dir;

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static String key(int i) {
        return String.format("key/%05d", i);
    }

    private static PutResponse put(TestCluster c, long id, String k, String v) {
        return c.kv(id).put(PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build());
    }

    private static GetResponse get(TestCluster c, long id, String k, Consistency cons) {
        return c.kv(id).get(GetRequest.newBuilder().setKey(b(k)).setConsistency(cons).build());
    }

    private static String endpoints(TestCluster c, long first) {
        List<String> e = new ArrayList<>();
        e.add(c.clientAddrs.get(first));
        c.clientAddrs.forEach((id, a) -> {
            if (id != first) {
                e.add(a);
            }
        });
        return String.join(",", e);
    }

    private static String initialCluster(TestCluster c) {
        return c.peerAddrs.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    private CliRunner.Result cli(String... args) {
        return CliRunner.run(dir, args);
    }

    /** {@code raftkv backup save ...}: the CLI module's command. */
    private io.raftkv.cli.CliRunner.Result save(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "backup";
        all[1] = "save";
        System.arraycopy(args, 0, all, 2, args.length);
        return io.raftkv.cli.CliRunner.run(dir, all);
    }

    private void restore(TestCluster c, Path backup, long id) {
        CliRunner.Result r = cli("backup", "restore", backup.toString(), "--id", Long.toString(id), "--initial-cluster",
                initialCluster(c), "--data-dir", c.root.resolve("n" + id).toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("restored " + backup + " into "), r.out());
    }

    /** Every key in order, all pages. */
    private static List<KeyValue> scanAll(TestCluster c, long id, Consistency cons) {
        List<KeyValue> all = new ArrayList<>();
        ByteString token = ByteString.EMPTY;
        do {
            ScanResponse r = c.kv(id).scan(ScanRequest.newBuilder().setLimit(1000).setPageToken(token).setConsistency(cons).build());
            all.addAll(r.getKvsList());
            token = r.getNextPageToken();
        } while (!token.isEmpty());
        return all;
    }

    private static UnaryOperator<ServerConfig> snapshotEvery(long entries, long retain) {
        return x -> new ServerConfig(x.nodeId(), x.clusterToken(), x.initialCluster(), x.clientListen(), x.peerListen(),
                x.dataDir(), x.tick(), x.electionTicks(), x.heartbeatTicks(), x.limits(), x.requestTimeout(), entries, retain,
                false, null, null);
    }

    /** Indexes of the snapshot images in a node's data directory. */
    private static List<Long> images(Path dataDir) {
        try (Stream<Path> s = Files.list(dataDir.resolve("snap"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".snap"))
                    .map(n -> Long.parseLong(n.substring(0, 16), 16)).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void restoredClusterHasEveryKeyVersionAndSessionANewIdTakesWritesRefusesAReRestoredMemberAndCatchesUpItsReplacement()
            throws IOException {
        Path backup = dir.resolve("cluster.rkv");
        List<KeyValue> before;
        long oldClusterId;
        long sessionId;
        PutResponse sessionPut;
        try (TestCluster c = new TestCluster(dir.resolve("old"), 3, x -> x)) {
            long leader = c.awaitLeader();
            for (int t = 0; t < 20; t++) {
                TxnRequest.Builder tx = TxnRequest.newBuilder();
                for (int i = t * 100; i < t * 100 + 100; i++) {
                    tx.addSuccess(TxnOp.newBuilder().setPut(PutOp.newBuilder().setKey(b(key(i))).setValue(b("v" + i))));
                }
                assertTrue(c.kv(leader).txn(tx.build()).getSucceeded());
            }
            for (int i = 0; i < 50; i++) {
                put(c, leader, key(i), "second-" + i);
            }
            assertTrue(c.kv(leader).compareAndSet(CompareAndSetRequest.newBuilder().setKey(b(key(100))).setExpectedVersion(1)
                    .setNewValue(b("cas")).build()).getSucceeded());
            assertFalse(c.kv(leader).compareAndSet(CompareAndSetRequest.newBuilder().setKey(b(key(101))).setExpectedVersion(7)
                    .setNewValue(b("never")).build()).getSucceeded());
            for (int i = 1990; i < 2000; i++) {
                assertTrue(c.kv(leader).delete(DeleteRequest.newBuilder().setKey(b(key(i))).build()).getDeleted());
            }
            c.kv(leader).txn(TxnRequest.newBuilder().addSuccess(TxnOp.newBuilder().setDelete(
                    DeleteOp.newBuilder().setKey(b(key(1980))).setEndKey(b(key(1990))))).build());
            sessionId = c.kv(leader).openSession(OpenSessionRequest.newBuilder().setTtlMillis(600_000).build()).getSessionId();
            PutRequest inSession = PutRequest.newBuilder().setKey(b("s")).setValue(b("one"))
                    .setContext(WriteContext.newBuilder().setSessionId(sessionId).setSequence(1)).build();
            sessionPut = c.kv(leader).put(inSession);
            put(c, leader, "s", "two");

            // Through a follower: it confirms with the leader (a ReadIndex round) and streams its own state.
            long follower = c.follower();
            io.raftkv.cli.CliRunner.Result saved = save(backup.toString(), "--endpoints", endpoints(c, follower));
            assertEquals(0, saved.code(), saved.toString());
            assertTrue(saved.out().startsWith("saved " + backup + "\n"), saved.out());
            assertTrue(saved.out().contains("node        " + follower + " (linearizable)"), saved.out());
            assertFalse(Files.exists(dir.resolve("cluster.rkv.part")));

            before = scanAll(c, leader, Consistency.LINEARIZABLE);
            assertEquals(1981, before.size(), "2,000 keys - 20 deleted + s");
            assertTrue(saved.out().contains("keys        1981\n"), saved.out());
            assertTrue(saved.out().contains("sessions    1\n"), saved.out());
            oldClusterId = c.status(leader).getClusterId();

            // One node's local state, without asking the leader.
            Path local = dir.resolve("local.rkv");
            io.raftkv.cli.CliRunner.Result fromFollower = save(local.toString(), "--endpoints", c.clientAddrs.get(follower));
            assertEquals(0, fromFollower.code(), fromFollower.toString());
            assertTrue(fromFollower.out().contains("node        " + follower + " (its local state)"), fromFollower.out());
        }
        CliRunner.Result status = cli("backup", "status", backup.toString());
        assertEquals(0, status.code(), status.toString());
        assertTrue(status.out().startsWith("verified " + backup + "\nformat      1\n"), status.out());
        BackupInfo info = BackupFile.verify(backup);
        assertEquals(Long.toHexString(oldClusterId), info.clusterId());

        // A new cluster on other ports, snapshotting often so a member that is behind needs InstallSnapshot.
        try (TestCluster n = new TestCluster(dir.resolve("new"), 3, snapshotEvery(150, 10), nc -> {
            for (long id = 1; id <= 3; id++) {
                restore(nc, backup, id);
            }
        })) {
            long leader = n.awaitLeader();
            assertEquals(before, scanAll(n, leader, Consistency.LINEARIZABLE), "keys, values, versions, mod and create indexes");
            long newId = n.status(leader).getClusterId();
            assertNotEquals(oldClusterId, newId);
            for (long id = 1; id <= 3; id++) {
                assertEquals(newId, n.status(id).getClusterId());
            }
            // The session table came along: a retry is answered from it, not applied again over "two".
            PutResponse retried = n.kv(leader).put(PutRequest.newBuilder().setKey(b("s")).setValue(b("one"))
                    .setContext(WriteContext.newBuilder().setSessionId(sessionId).setSequence(1)).build());
            assertEquals(sessionPut.getModIndex(), retried.getModIndex());
            assertEquals(sessionPut.getVersion(), retried.getVersion());
            assertEquals("two", get(n, leader, "s", Consistency.LINEARIZABLE).getKv().getValue().toStringUtf8());
            // New writes get indexes after the backup's, so mod indexes and session ids never repeat.
            PutResponse after = put(n, leader, "after", "x");
            assertTrue(after.getModIndex() > info.index(), after + " vs backup index " + info.index());

            // A member that loses its disk is not restored again under its id: its peers know that id from
            // its first data directory and refuse it (it forgot its votes). It is replaced, and the new member
            // is far behind: the leader's log is compacted past the backup's index, so it gets a snapshot.
            long wiped = n.follower();
            n.stop(wiped);
            Path wipedDir = n.root.resolve("n" + wiped);
            for (int i = 0; i < 330; i++) {
                put(n, leader, "more/" + i, "m" + i);
            }
            Path leaderDir = n.root.resolve("n" + leader);
            TestCluster.await(Duration.ofSeconds(20), "two snapshots on the leader past the backup",
                    () -> images(leaderDir).stream().filter(i -> i > info.index()).count() >= 2);
            // Persisted after the first snapshot's compaction, which the snapshot thread queued before the second.
            put(n, leader, "more/last", "last");
            deleteTree(wipedDir);
            restore(n, backup, wiped);
            n.start(wiped);
            TestCluster.await(Duration.ofSeconds(20), "the re-restored member refused by its peers",
                    () -> n.status(wiped).getRemoved());
            n.stop(wiped);
            n.cluster(leader).removeMember(RemoveMemberRequest.newBuilder().setId(wiped).build());
            n.reserve(4);
            n.cluster(leader).addMember(AddMemberRequest.newBuilder().setId(4).setPeerAddress(n.peerAddrs.get(4L))
                    .setClientAddress(n.clientAddrs.get(4L)).setLearner(true).build());
            n.startJoining(4, newId);
            TestCluster.await(Duration.ofSeconds(20), "the replacement catches up",
                    () -> get(n, 4, "more/last", Consistency.SERIALIZABLE).getFound());
            assertEquals(scanAll(n, leader, Consistency.LINEARIZABLE), scanAll(n, 4, Consistency.SERIALIZABLE));
            Path newDir = n.root.resolve("n4");
            long installed = images(newDir).stream().max(Comparator.naturalOrder()).orElseThrow();
            assertTrue(installed > info.index() + 150, "received a snapshot from the leader: " + images(newDir));
            assertEquals(newId, n.status(4).getClusterId());
        }
    }

    @Test
    void backupTakenDuringWritesHoldsExactlyTheStateAtItsIndex() throws Exception {
        Path backup = dir.resolve("busy.rkv");
        ConcurrentLinkedQueue<long[]> acks = new ConcurrentLinkedQueue<>();
        AtomicReference<Throwable> writerFailed = new AtomicReference<>();
        long ackedBefore;
        try (TestCluster c = new TestCluster(dir.resolve("old"), 3, x -> x)) {
            long leader = c.awaitLeader();
            AtomicBoolean stop = new AtomicBoolean();
            // Two counters written one after the other: a backup at any index holds a == b or a == b + 1.
            Thread writer = new Thread(() -> {
                try {
                    for (long i = 1; !stop.get(); i++) {
                        long ia = put(c, leader, "a", Long.toString(i)).getModIndex();
                        long ib = put(c, leader, "b", Long.toString(i)).getModIndex();
                        acks.add(new long[] {i, ia, ib});
                    }
                } catch (Throwable t) {
                    writerFailed.set(t);
                }
            }, "counter-writer");
            writer.start();
            try {
                TestCluster.await(Duration.ofSeconds(20), "100 acknowledged pairs", () -> acks.size() >= 100 || writerFailed.get() != null);
                ackedBefore = acks.stream().mapToLong(x -> x[2]).max().orElseThrow();
                io.raftkv.cli.CliRunner.Result saved = save(backup.toString(), "--endpoints", endpoints(c, leader));
                assertEquals(0, saved.code(), saved.toString());
                int atSave = acks.size();
                TestCluster.await(Duration.ofSeconds(20), "writes go on after the backup",
                        () -> acks.size() >= atSave + 20 || writerFailed.get() != null);
            } finally {
                stop.set(true);
                writer.join();
            }
        }
        assertNull(writerFailed.get());
        BackupInfo info = BackupFile.verify(backup);
        long index = info.index();
        assertTrue(index >= ackedBefore, "linearizable: holds every write acknowledged before the save, " + index + " < " + ackedBefore);
        assertTrue(acks.stream().anyMatch(x -> x[1] > index), "the backup must be taken in the middle of the writes");
        long[] expectA = acks.stream().filter(x -> x[1] <= index).max(Comparator.comparingLong(x -> x[0])).orElseThrow();
        long[] expectB = acks.stream().filter(x -> x[2] <= index).max(Comparator.comparingLong(x -> x[0])).orElse(new long[] {0, 0, 0});

        try (TestCluster n = new TestCluster(dir.resolve("new"), 1, x -> x, nc -> restore(nc, backup, 1))) {
            long leader = n.awaitLeader();
            GetResponse a = get(n, leader, "a", Consistency.LINEARIZABLE);
            assertEquals(Long.toString(expectA[0]), a.getKv().getValue().toStringUtf8());
            assertEquals(expectA[1], a.getKv().getModIndex());
            GetResponse b = get(n, leader, "b", Consistency.LINEARIZABLE);
            assertEquals(expectB[0] == 0 ? "" : Long.toString(expectB[0]), b.getKv().getValue().toStringUtf8());
            assertEquals(expectB[2], b.getKv().getModIndex());
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
