package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static io.raftkv.storage.Fixtures.only;
import static io.raftkv.storage.Fixtures.propose;
import static io.raftkv.storage.Fixtures.proposeRequests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTest {
    static final int KEYS = 100_000;
    static final int CHUNK = 64 * 1024;

    @TempDir
    Path tmp;

    static RaftStore open(Path dir, long node, StorageFaults faults) {
        return RaftStore.open(StoreConfig.of(dir, node, Fixtures.CLUSTER).withInitialMembers(Fixtures.VOTERS)
                .withSnapshotChunkBytes(CHUNK).withFaults(faults));
    }

    /** A leader-side store holding {@code KEYS} keys and one session with a stored result. */
    static RaftStore leaderWithKeys(Path dir) {
        RaftStore a = open(dir, 1, null);
        for (int base = 0; base < KEYS; base += 5_000) {
            List<Command> batch = new ArrayList<>();
            for (int t = 0; t < 5; t++) {
                List<Command.Op> ops = new ArrayList<>();
                for (int i = base + t * 1_000; i < base + (t + 1) * 1_000; i++) {
                    ops.add(new Command.Put(b(String.format("key/%06d", i)), b("value-" + i)));
                }
                batch.add(new Command.Txn(List.of(), ops, List.of()));
            }
            propose(a, 2, batch.toArray(new Command[0]));
        }
        long sid = ((Result.SessionOpened) only(propose(a, 2, new Command.OpenSession(60_000, 5)))).sessionId();
        proposeRequests(a, 2, List.of(Request.inSession(sid, 1, new Command.Put(b("key/000007"), b("seven")))));
        // A member added at runtime: its record must travel with the image.
        long next = a.log().lastIndex() + 1;
        List<Entry> cc = List.of(new Entry(2, next, EntryType.CONF_CHANGE, ConfChange.addLearner(4, b("ctx-4").array()).encode()));
        Fixtures.commit(a, 2, cc);
        a.stateMachine().apply(cc, Map.of(next, ConfState.of(List.of(1L, 2L, 3L), List.of(4L))));
        return a;
    }

    static void transfer(SnapshotSource src, SnapshotReceiver rcv, int upTo) {
        for (int k = rcv.nextChunk(); k < upTo; k++) {
            rcv.accept(src.chunk(k));
        }
    }

    static void assertSameState(RaftStore expected, RaftStore actual) {
        assertEquals(expected.stateMachine().applied(), actual.stateMachine().applied());
        assertEquals(expected.stateMachine().members(), actual.stateMachine().members());
        KeyRange r = KeyRange.all();
        int n = 0;
        while (true) {
            Result.RangeResult e = expected.stateMachine().range(r, 10_000);
            Result.RangeResult a = actual.stateMachine().range(r, 10_000);
            assertEquals(e, a);
            n += e.kvs().size();
            if (!e.more()) {
                break;
            }
            r = r.after(e.kvs().get(e.kvs().size() - 1).key());
        }
        assertEquals(KEYS, n);
    }

    private static void flip(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x40);
        }
    }

    @Test
    void hundredThousandKeysRoundTripWithACorruptChunkAndAnInterruptedTransfer() throws Exception {
        try (RaftStore a = leaderWithKeys(tmp.resolve("a"))) {
            SnapshotMetadata meta = a.createSnapshot();
            a.compactLog(meta.index());
            assertEquals(meta, a.log().snapshot().metadata());
            assertEquals(meta.index() + 1, a.log().firstIndex());

            Path bDir = tmp.resolve("b");
            RaftStore b = open(bDir, 2, null);
            int half;
            try (SnapshotSource src = a.openSnapshot(meta)) {
                assertTrue(src.chunkCount() > 20, "chunks: " + src.chunkCount());
                half = src.chunkCount() / 2;
                SnapshotReceiver rcv = b.receiveSnapshot(meta);
                transfer(src, rcv, 3);
                byte[] damaged = src.chunk(3);
                damaged[damaged.length / 2] ^= 1;
                CorruptChunkException e = assertThrows(CorruptChunkException.class, () -> rcv.accept(damaged));
                assertTrue(e.getMessage().contains("resend from chunk 3"), e.getMessage());
                assertEquals(3, rcv.nextChunk());
                assertThrows(CorruptChunkException.class, () -> rcv.accept(src.chunk(5)), "out of order");
                assertFalse(rcv.accept(src.chunk(1)), "a duplicate is ignored");
                transfer(src, rcv, half);
                // The connection drops and the receiving node restarts.
                rcv.close();
                b.close();
                b = open(bDir, 2, null);
                SnapshotReceiver resumed = b.receiveSnapshot(meta);
                assertEquals(half, resumed.nextChunk());
                transfer(src, resumed, src.chunkCount());
                assertTrue(resumed.isComplete());
            }
            b.persist(Fixtures.ready(List.of(), Optional.of(new HardState(2, 1, meta.index())),
                    Optional.of(new Snapshot(meta, null))));
            assertSameState(a, b);
            assertEquals(meta.index() + 1, b.log().firstIndex());
            assertEquals(meta.index(), b.log().lastIndex());
            assertEquals(meta, b.log().snapshot().metadata());
            b.close();
            try (RaftStore again = open(bDir, 2, null)) {
                assertSameState(a, again);
                // The session and its stored answer came along: the retry is not applied twice.
                long sid = again.stateMachine().session(meta.index() - 2).orElseThrow().id();
                Result retry = only(proposeRequests(again, 2,
                        List.of(Request.inSession(sid, 1, new Command.Put(b("key/000007"), b("seven"))))));
                assertEquals(new Result.Written(meta.index() - 1, 2), retry);
                assertEquals(2, again.stateMachine().get(b("key/000007")).orElseThrow().version());
            }
        }
    }

    @Test
    void aDamagedImageIsRefusedAtSourceAndAtInstallLeavingTheOldState() throws Exception {
        try (RaftStore a = open(tmp.resolve("a"), 1, null); RaftStore b = open(tmp.resolve("b"), 2, null)) {
            for (int i = 0; i < 50; i++) {
                propose(a, 1, new Command.Put(b("k" + i), b("v" + i)));
            }
            propose(b, 1, new Command.Put(b("old"), b("state")));
            SnapshotMetadata meta = a.createSnapshot();
            Path image = a.dataDir().resolve("snap").resolve(SnapshotFiles.baseName(meta.index(), meta.term()) + ".snap");
            SnapshotReceiver rcv = b.receiveSnapshot(meta);
            try (SnapshotSource src = a.openSnapshot(meta)) {
                transfer(src, rcv, src.chunkCount());
            }
            flip(image, 40);
            try (SnapshotSource src = a.openSnapshot(meta)) {
                assertThrows(CorruptionException.class, () -> src.chunk(0));
            }
            Path received = b.dataDir().resolve("snap").resolve(image.getFileName());
            flip(received, 40);
            Snapshot snap = new Snapshot(meta, null);
            CorruptionException e = assertThrows(CorruptionException.class, () -> b.persist(
                    Fixtures.ready(List.of(), Optional.of(new HardState(1, 1, meta.index())), Optional.of(snap))));
            assertTrue(e.getMessage().contains(received.toString()), e.getMessage());
            assertEquals(b("state"), b.stateMachine().get(b("old")).orElseThrow().value());
            assertTrue(b.stateMachine().get(b("k1")).isEmpty());
            assertEquals(2, b.stateMachine().appliedIndex(), "b's own put (index 2, after the bootstrap snapshot)");
        }
    }

    /**
     * Issue 12 defect 6: a serializable read during an install used to see the cleared state (between the
     * range delete and the ingest): a state that never existed. Reads now see the old state until the new
     * one is whole.
     */
    @Test
    void readsDuringAnInstallSeeTheOldStateUntilTheNewOneIsWhole() throws Exception {
        StorageFaults hook = new StorageFaults();
        try (RaftStore a = open(tmp.resolve("a"), 1, null); RaftStore b = open(tmp.resolve("b"), 2, hook)) {
            for (int i = 0; i < 50; i++) {
                propose(a, 1, new Command.Put(b("k" + i), b("v" + i)));
            }
            propose(b, 1, new Command.Put(b("old"), b("state")));
            SnapshotMetadata meta = a.createSnapshot();
            try (SnapshotSource src = a.openSnapshot(meta)) {
                transfer(src, b.receiveSnapshot(meta), src.chunkCount());
            }
            List<String> seen = new java.util.ArrayList<>();
            hook.whenStateCleared(() -> {
                seen.add(b.stateMachine().get(b("old")).map(kv -> kv.value().utf8()).orElse("absent"));
                seen.add(b.stateMachine().get(b("k1")).map(kv -> kv.value().utf8()).orElse("absent"));
                seen.add(b.stateMachine().range(KeyRange.prefix(b("")), 100).kvs().size() + " keys");
            });
            b.persist(Fixtures.ready(List.of(), Optional.of(new HardState(1, 1, meta.index())),
                    Optional.of(new Snapshot(meta, null))));
            assertEquals(List.of("state", "absent", "1 keys"), seen, "the old state, whole, while the install ran");
            assertTrue(b.stateMachine().get(b("old")).isEmpty());
            assertEquals(b("v1"), b.stateMachine().get(b("k1")).orElseThrow().value());
        }
    }

    /** Versions remembered in memory (KeyVersions) are forgotten when an install replaces the state. */
    @Test
    void aPutAfterAnInstallCountsVersionsFromTheInstalledState() throws Exception {
        try (RaftStore a = open(tmp.resolve("a"), 1, null); RaftStore b = open(tmp.resolve("b"), 2, null)) {
            for (int i = 0; i < 5; i++) {
                propose(a, 1, new Command.Put(b("k"), b("a" + i)));
            }
            propose(b, 1, new Command.Put(b("k"), b("b0")));
            propose(b, 1, new Command.Put(b("gone"), b("b1")));
            SnapshotMetadata meta = a.createSnapshot();
            try (SnapshotSource src = a.openSnapshot(meta)) {
                transfer(src, b.receiveSnapshot(meta), src.chunkCount());
            }
            b.persist(Fixtures.ready(List.of(), Optional.of(new HardState(1, 1, meta.index())),
                    Optional.of(new Snapshot(meta, null))));
            List<Applied> out = propose(b, 1, new Command.Put(b("k"), b("b2")), new Command.Put(b("gone"), b("b3")));
            assertEquals(new Result.Written(out.get(0).index(), 6), out.get(0).result(), "k had version 5 in the image");
            assertEquals(new Result.Written(out.get(1).index(), 1), out.get(1).result(), "the image has no key gone");
        }
    }

    /** Crashes the install at every write it makes, with and without losing unsynced data: old or new state, never a mix. */
    @Test
    void anInterruptedInstallLeavesOldOrNewStateNeverAMix() throws Exception {
        Path aDir = tmp.resolve("a");
        SnapshotMetadata meta;
        try (RaftStore a = open(aDir, 1, null)) {
            List<Command> puts = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                puts.add(new Command.Put(b("new/" + i), b("v" + i)));
            }
            propose(a, 3, puts.toArray(new Command[0]));
            long sid = ((Result.SessionOpened) only(propose(a, 3, new Command.OpenSession(1_000, 1)))).sessionId();
            assertTrue(sid > 0);
            meta = a.createSnapshot();
        }
        Path image = aDir.resolve("snap").resolve(SnapshotFiles.baseName(meta.index(), meta.term()) + ".snap");
        int outcomesNew = 0;
        int outcomesOld = 0;
        for (int failAfter = 0; failAfter <= 7; failAfter++) {
            for (boolean powerLoss : new boolean[] {false, true}) {
                Path bDir = tmp.resolve("b-" + failAfter + "-" + powerLoss);
                StorageFaults faults = new StorageFaults();
                RaftStore b = open(bDir, 2, faults);
                propose(b, 1, new Command.Put(b("old/1"), b("x")), new Command.Put(b("old/2"), b("y")));
                // Apply is not synced; any later synced write makes it durable too (the WAL is one sequence).
                Fixtures.commit(b, 1, List.of());
                Files.createDirectories(bDir.resolve("snap"));
                Files.copy(image, bDir.resolve("snap").resolve(image.getFileName()));
                faults.failAfterWrites(failAfter, new IOException("injected: no space left on device"));
                boolean installed;
                try {
                    b.persist(Fixtures.ready(List.of(), Optional.of(new HardState(3, 1, meta.index())),
                            Optional.of(new Snapshot(meta, null))));
                    installed = true;
                } catch (StorageFailedException e) {
                    installed = false;
                    assertTrue(e.getMessage().contains("no space left"), e.getMessage());
                }
                b.close();
                if (powerLoss) {
                    faults.dropUnsyncedWrites(bDir);
                }
                try (RaftStore r = open(bDir, 2, null)) {
                    boolean isNew = r.stateMachine().get(b("new/0")).isPresent();
                    if (isNew) {
                        outcomesNew++;
                        assertEquals(meta.index(), r.stateMachine().appliedIndex());
                        assertEquals(2_000, r.stateMachine().range(KeyRange.prefix(b("new/")), 5_000).kvs().size());
                        assertTrue(r.stateMachine().range(KeyRange.prefix(b("old/")), 10).kvs().isEmpty(), "mixed state");
                        assertEquals(meta, r.log().snapshot().metadata());
                        assertEquals(meta.index(), r.log().lastIndex());
                        assertTrue(r.stateMachine().session(meta.index()).isPresent());
                    } else {
                        outcomesOld++;
                        assertFalse(installed, "an acknowledged install was lost");
                        // The two old puts are entries 2 and 3 (index 1 is the bootstrap snapshot).
                        assertEquals(3, r.stateMachine().appliedIndex());
                        assertEquals(2, r.stateMachine().range(KeyRange.prefix(b("old/")), 10).kvs().size());
                        assertTrue(r.stateMachine().range(KeyRange.prefix(b("new/")), 10).kvs().isEmpty(), "mixed state");
                        assertEquals(3, r.log().lastIndex());
                    }
                }
            }
        }
        assertTrue(outcomesNew > 0 && outcomesOld > 0, "new " + outcomesNew + ", old " + outcomesOld);
    }

    @Test
    void snapshotIsAConsistentPointInTimeWhileApplyGoesOn() throws Exception {
        try (RaftStore a = open(tmp.resolve("a"), 1, null); RaftStore c = open(tmp.resolve("c"), 3, null)) {
            // Each entry sets counter=index and marks e/<index>: an image is consistent iff both agree.
            for (int i = 0; i < 200; i++) {
                long idx = a.log().lastIndex() + 1;
                propose(a, 1, new Command.Txn(List.of(), List.of(new Command.Put(b("counter"), b(Long.toString(idx))),
                        new Command.Put(b(String.format("e/%08d", idx)), b("x"))), List.of()));
            }
            AtomicBoolean done = new AtomicBoolean();
            CompletableFuture<SnapshotMetadata> snap = CompletableFuture.supplyAsync(() -> {
                try {
                    return a.createSnapshot();
                } finally {
                    done.set(true);
                }
            });
            int applied = 0;
            while (!done.get() || applied < 10) {
                long idx = a.log().lastIndex() + 1;
                propose(a, 1, new Command.Txn(List.of(), List.of(new Command.Put(b("counter"), b(Long.toString(idx))),
                        new Command.Put(b(String.format("e/%08d", idx)), b("x"))), List.of()));
                applied++;
            }
            SnapshotMetadata meta = snap.get();
            SnapshotReceiver rcv = c.receiveSnapshot(meta);
            try (SnapshotSource src = a.openSnapshot(meta)) {
                transfer(src, rcv, src.chunkCount());
            }
            c.persist(Fixtures.ready(List.of(), Optional.of(new HardState(1, 1, meta.index())), Optional.of(new Snapshot(meta, null))));
            assertEquals(Long.toString(meta.index()), c.stateMachine().get(b("counter")).orElseThrow().value().utf8());
            // Entries 2..index each left one mark (index 1 is the bootstrap snapshot, which marks nothing).
            assertEquals(meta.index() - 1, c.stateMachine().range(KeyRange.prefix(b("e/")), 100_000).kvs().size());
            assertTrue(a.stateMachine().appliedIndex() > meta.index() || applied >= 10);
        }
    }
}
