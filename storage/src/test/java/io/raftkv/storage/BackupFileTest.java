package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static io.raftkv.storage.Fixtures.only;
import static io.raftkv.storage.Fixtures.propose;
import static io.raftkv.storage.Fixtures.proposeRequests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backup file format: round trip through restore, and every kind of damage refused with its place named. */
class BackupFileTest {
    static final int CHUNK = 4096;
    static final ConfState NEW_MEMBERS = ConfState.of(List.of(4L, 5L, 6L));

    @TempDir
    Path tmp;

    /** 2,000 keys, some overwritten and deleted, and a session with a stored result. */
    static RaftStore source(Path dir) {
        RaftStore s = RaftStore.open(StoreConfig.of(dir, 1, Fixtures.CLUSTER).withInitialMembers(Fixtures.VOTERS));
        for (int base = 0; base < 2_000; base += 500) {
            List<Command.Op> ops = new ArrayList<>();
            for (int i = base; i < base + 500; i++) {
                ops.add(new Command.Put(b(String.format("key/%05d", i)), b("value-" + i + "-" + "x".repeat(i % 97))));
            }
            propose(s, 2, new Command.Txn(List.of(), ops, List.of()));
        }
        propose(s, 2, new Command.Put(b("key/00001"), b("second")), new Command.Delete(b("key/00002")));
        long sid = ((Result.SessionOpened) only(propose(s, 2, new Command.OpenSession(60_000, 5)))).sessionId();
        proposeRequests(s, 3, List.of(Request.inSession(sid, 1, new Command.Put(b("key/00003"), b("in-session")))));
        return s;
    }

    static BackupSource save(RaftStore store, Path file) throws IOException {
        try (BackupSource src = BackupSource.open(store, CHUNK, true); OutputStream out = Files.newOutputStream(file)) {
            for (byte[] p = src.next(); p != null; p = src.next()) {
                out.write(p);
            }
            return src;
        }
    }

    private int saves;

    /** A fresh backup file (of a fresh source store) per call. */
    private Path saved() throws IOException {
        int n = ++saves;
        Path file = tmp.resolve("b" + n + ".rkv");
        try (RaftStore s = source(tmp.resolve("src" + n))) {
            save(s, file);
        }
        return file;
    }

    /** Offset of the first chunk: the header's fixed part, its body and its CRC. */
    static long imageStart(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(12);
            return 16 + f.readInt() + 4;
        }
    }

    static void flip(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int v = f.read();
            f.seek(offset);
            f.write(v ^ 0x40);
        }
    }

    static void truncate(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    static String corruption(Path file) {
        return assertThrows(CorruptionException.class, () -> BackupFile.verify(file)).getMessage();
    }

    @Test
    void roundTripThroughRestoreKeepsEveryKeyVersionAndSessionAndStartsANewRaftState() throws IOException {
        Path file = tmp.resolve("b.rkv");
        Path restored = tmp.resolve("restored");
        try (RaftStore s = source(tmp.resolve("src"))) {
            BackupSource src = save(s, file);
            BackupInfo info = BackupFile.verify(file);
            KvStateMachine.AppliedState applied = s.stateMachine().applied();
            assertEquals(applied.index(), info.index());
            assertEquals(applied.term(), info.term());
            assertEquals(Fixtures.CLUSTER, info.clusterId());
            assertEquals(Fixtures.VOTERS, info.members());
            assertEquals(1999, info.keys(), "2,000 puts, one delete");
            assertEquals(1, info.sessions());
            assertEquals(Files.size(file), info.sizeBytes());
            assertEquals(src.sha256(), info.sha256());
            assertTrue(info.chunks() > 20, "many 4 KiB chunks: " + info.chunks());
            assertTrue(info.linearizable());

            BackupRestore.Restored r = BackupRestore.restore(file, restored, 5, i -> "new-cluster", NEW_MEMBERS,
                    (dir, i) -> Files.writeString(dir.resolve("extra"), "x"));
            assertEquals(new SnapshotMetadata(info.index(), info.term(), NEW_MEMBERS), r.snapshot());
            assertEquals(0, r.droppedMetaRecords());
            assertTrue(Files.exists(restored.resolve("extra")), "the finisher's file moved with the directory");
            try (Stream<Path> siblings = Files.list(tmp)) {
                assertEquals(List.of(), siblings.filter(p -> p.getFileName().toString().contains("restoring")).toList());
            }

            try (RaftStore n = RaftStore.open(StoreConfig.of(restored, 5, "new-cluster").withInitialMembers(NEW_MEMBERS))) {
                KvStateMachine.AppliedState na = n.stateMachine().applied();
                assertEquals(new KvStateMachine.AppliedState(applied.index(), applied.term(), NEW_MEMBERS, applied.logClockMillis()), na);
                Result.RangeResult expected = s.stateMachine().range(KeyRange.all(), 10_000);
                assertEquals(expected, n.stateMachine().range(KeyRange.all(), 10_000), "keys, values, versions, mod/create indexes");
                assertEquals("second", new String(n.stateMachine().get(b("key/00001")).orElseThrow().value().array(), StandardCharsets.UTF_8));
                assertFalse(n.stateMachine().get(b("key/00002")).isPresent());
                long sid = applied.index() - 1; // the OpenSession entry, right before the last write
                assertEquals(s.stateMachine().session(sid), n.stateMachine().session(sid));
                // Raft starts right after the backup's index: snapshot there, empty log, nothing voted.
                SnapshotMetadata snap = n.log().snapshot().metadata();
                assertEquals(r.snapshot(), snap);
                assertEquals(info.index() + 1, n.log().firstIndex());
                assertEquals(info.index(), n.log().lastIndex());
                assertEquals(new HardState(info.term(), 0, info.index()), n.log().hardState());
                assertEquals(NEW_MEMBERS, n.log().initialState().confState());
                // A leader can stream this image to a member that is behind.
                try (SnapshotSource img = n.openSnapshot(snap)) {
                    assertTrue(img.chunkCount() > 0);
                }
                // A retried request of the session is answered from the restored table, not applied again.
                Result retried = only(proposeRequests(n, info.term() + 1,
                        List.of(Request.inSession(sid, 1, new Command.Put(b("key/00003"), b("in-session"))))));
                assertEquals(s.stateMachine().get(b("key/00003")).orElseThrow().version(),
                        n.stateMachine().get(b("key/00003")).orElseThrow().version(), "not re-applied: " + retried);
            }
        }
    }

    @Test
    void everyNodeRestoringTheSameFileGetsTheSameSnapshotImage() throws IOException {
        Path file = saved();
        BackupRestore.restore(file, tmp.resolve("a"), 4, i -> "c2", NEW_MEMBERS, (d, i) -> { });
        BackupRestore.restore(file, tmp.resolve("b"), 6, i -> "c2", NEW_MEMBERS, (d, i) -> { });
        BackupInfo info = BackupFile.verify(file);
        String name = SnapshotFiles.baseName(info.index(), info.term()) + SnapshotFiles.IMAGE;
        assertEquals(-1L, Files.mismatch(tmp.resolve("a/snap").resolve(name), tmp.resolve("b/snap").resolve(name)));
    }

    @Test
    void backupIsThePointInTimeOfOpenEvenIfApplyContinues() throws IOException {
        Path file = tmp.resolve("b.rkv");
        try (RaftStore s = source(tmp.resolve("src"))) {
            long before = s.stateMachine().appliedIndex();
            try (BackupSource src = BackupSource.open(s, CHUNK, false); OutputStream out = Files.newOutputStream(file)) {
                out.write(src.next());
                out.write(src.next());
                // Applied while the backup is half streamed: must not appear in it.
                propose(s, 3, new Command.Put(b("key/00000"), b("later")), new Command.Put(b("zzz"), b("later")));
                for (byte[] p = src.next(); p != null; p = src.next()) {
                    out.write(p);
                }
            }
            BackupInfo info = BackupFile.verify(file);
            assertEquals(before, info.index());
            assertEquals(1999, info.keys());
            BackupRestore.restore(file, tmp.resolve("r"), 4, i -> "c2", NEW_MEMBERS, (d, i) -> { });
            try (RaftStore n = RaftStore.open(StoreConfig.of(tmp.resolve("r"), 4, "c2"))) {
                assertFalse(n.stateMachine().get(b("zzz")).isPresent());
                assertTrue(new String(n.stateMachine().get(b("key/00000")).orElseThrow().value().array(), StandardCharsets.UTF_8)
                        .startsWith("value-0"));
            }
        }
    }

    @Test
    void flippedByteInAChunkNamesTheChunkAndItsOffset() throws IOException {
        Path file = saved();
        long start = imageStart(file);
        long frame = Chunks.HEADER + CHUNK;
        flip(file, start + 7 * frame + Chunks.HEADER + 1000);
        String m = corruption(file);
        assertTrue(m.contains("chunk 7 at byte offset " + (start + 7 * frame)), m);
        assertTrue(m.contains(file.toString()), m);
        assertTrue(m.contains("checksum mismatch"), m);
    }

    @Test
    void flippedByteInHeaderOrTrailerIsCaught() throws IOException {
        Path file = saved();
        flip(file, 20);
        assertTrue(corruption(file).contains("header checksum mismatch"), corruption(file));

        Path t = saved();
        long size = Files.size(t);
        flip(t, size - BackupFormat.TRAILER_BYTES + 30); // the key count
        String m = corruption(t);
        assertTrue(m.contains("SHA-256 mismatch"), m);

        Path d = saved();
        flip(d, Files.size(d) - 1); // the digest itself
        assertTrue(corruption(d).contains("SHA-256 mismatch"));
    }

    @Test
    void truncatedFilesAreRefusedWithWhereTheyEnd() throws IOException {
        Path file = saved();
        long size = Files.size(file);
        long start = imageStart(file);
        for (long cut : new long[] {start + 3 * (Chunks.HEADER + CHUNK) + 77, size - BackupFormat.TRAILER_BYTES,
                size - 10, start, 10}) {
            Path f = tmp.resolve("cut-" + cut);
            Files.copy(file, f);
            truncate(f, cut);
            String m = corruption(f);
            assertTrue(m.contains("truncated") || m.contains("ends"), cut + ": " + m);
        }
        Path f = tmp.resolve("mid-chunk");
        Files.copy(file, f);
        truncate(f, start + 3 * (Chunks.HEADER + CHUNK) + 77);
        assertTrue(corruption(f).contains("truncated inside chunk 3"), corruption(f));
    }

    @Test
    void extraBytesAfterTheTrailerAreRefused() throws IOException {
        Path file = saved();
        Files.write(file, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertTrue(corruption(file).contains("extra bytes after its trailer"));
    }

    @Test
    void wrongFileTypeAndUnknownVersionAreNamed() throws IOException {
        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "hello, this is not a backup");
        assertTrue(corruption(text).contains("is not a raftkv backup file"), corruption(text));

        Path empty = tmp.resolve("empty");
        Files.write(empty, new byte[0]);
        assertTrue(corruption(empty).contains("is not a raftkv backup file"));

        Path v2 = saved();
        try (RandomAccessFile f = new RandomAccessFile(v2.toFile(), "rw")) {
            f.seek(8);
            f.writeInt(2);
        }
        String m = corruption(v2);
        assertTrue(m.contains("backup format version 2") && m.contains("reads version 1"), m);

        StorageException missing = assertThrows(StorageException.class, () -> BackupFile.verify(tmp.resolve("nope")));
        assertTrue(missing.getMessage().contains("does not exist"));
    }

    @Test
    void restoreRefusesANonEmptyDirectoryAndADamagedFileAndLeavesNothingBehind() throws IOException {
        Path file = saved();
        Path busy = tmp.resolve("busy");
        Files.createDirectories(busy);
        Files.writeString(busy.resolve("keep-me"), "data");
        StorageException e = assertThrows(StorageException.class,
                () -> BackupRestore.restore(file, busy, 4, i -> "c2", NEW_MEMBERS, (d, i) -> { }));
        assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
        assertEquals("data", Files.readString(busy.resolve("keep-me")));

        flip(file, imageStart(file) + 2 * (Chunks.HEADER + CHUNK) + 500);
        Path target = tmp.resolve("fresh");
        CorruptionException c = assertThrows(CorruptionException.class,
                () -> BackupRestore.restore(file, target, 4, i -> "c2", NEW_MEMBERS, (d, i) -> { }));
        assertTrue(c.getMessage().contains("chunk 2"), c.getMessage());
        assertFalse(Files.exists(target));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().contains("restoring")).toList());
        }

        // An empty directory (a fresh volume) is fine, and a failing last step leaves it empty.
        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        Path good = saved();
        assertThrows(IOException.class, () -> {
            try {
                BackupRestore.restore(good, empty, 4, i -> "c2", NEW_MEMBERS, (d, i) -> {
                    throw new IOException("disk full");
                });
            } catch (StorageException x) {
                throw (IOException) x.getCause();
            }
        });
        try (Stream<Path> s = Files.list(empty)) {
            assertEquals(Optional.empty(), s.findAny());
        }
        BackupRestore.restore(good, empty, 4, i -> "c2", NEW_MEMBERS, (d, i) -> { });
        assertTrue(Files.isDirectory(empty.resolve("db")));
    }
}
