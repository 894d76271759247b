package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.raft.Entry;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;

/** Damaged bytes anywhere in stored entries are detected and refused with a message naming index, file and directory. */
class CorruptionTest {
    @TempDir
    Path dir;

    /** {@code n} entries from index 2, the first after the bootstrap snapshot at index 1. */
    static List<Entry> entries(int n) {
        return java.util.stream.LongStream.rangeClosed(2, n + 1)
                .mapToObj(i -> Fixtures.entry(1, i, new Command.Put(b("key-" + i), b("value-" + i + "-".repeat(200))))).toList();
    }

    static void flipByte(Path file, long offset) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int v = f.read();
            f.seek(offset);
            f.write(v ^ 0x10);
        }
    }

    static List<Path> files(Path d, String suffix) throws Exception {
        try (Stream<Path> s = Files.list(d.resolve("db"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void aDamagedPayloadIsRefusedOnReadAndAtOpen() throws Exception {
        try (RaftStore s = Fixtures.open(dir)) {
            s.log().write(LogWrite.append(entries(10), true));
            byte[] key = Keys.logKey(5);
            byte[] v = s.db().rocks().get(s.db().cf(Db.Cf.RAFT_LOG), key);
            v[v.length - 3] ^= 1;
            s.db().rocks().put(s.db().cf(Db.Cf.RAFT_LOG), key, v);
            s.log().clearCache(); // the entries just written would be served from memory, as written

            CorruptionException e = assertThrows(CorruptionException.class, () -> s.log().entries(2, 12, Long.MAX_VALUE));
            assertTrue(e.getMessage().contains("entry 5") && e.getMessage().contains(dir.toString())
                    && e.getMessage().contains("payload checksum"), e.getMessage());
            assertEquals(3, s.log().entries(2, 5, Long.MAX_VALUE).size(), "entries before the damage are still served");
            assertTrue(s.failure().isPresent(), "the write path stops once corruption is seen");
        }
        CorruptionException atOpen = assertThrows(CorruptionException.class, () -> Fixtures.open(dir));
        assertTrue(atOpen.getMessage().contains("entry 5"), atOpen.getMessage());
    }

    @Test
    void aDamagedTermHeaderIsRefusedByTermLookups() throws Exception {
        try (RaftStore s = Fixtures.open(dir)) {
            s.log().write(LogWrite.append(entries(10), true));
            byte[] key = Keys.logKey(6);
            byte[] v = s.db().rocks().get(s.db().cf(Db.Cf.RAFT_LOG), key);
            v[5] ^= 1; // inside the term
            s.db().rocks().put(s.db().cf(Db.Cf.RAFT_LOG), key, v);
            s.log().clearCache();
            CorruptionException e = assertThrows(CorruptionException.class, () -> s.log().term(6));
            assertTrue(e.getMessage().contains("entry 6") && e.getMessage().contains("header checksum"), e.getMessage());
        }
    }

    @Test
    void anEntryStoredUnderAnotherIndexIsRefused() throws Exception {
        try (RaftStore s = Fixtures.open(dir)) {
            s.log().write(LogWrite.append(entries(10), true));
            byte[] v3 = s.db().rocks().get(s.db().cf(Db.Cf.RAFT_LOG), Keys.logKey(3));
            s.db().rocks().put(s.db().cf(Db.Cf.RAFT_LOG), Keys.logKey(4), v3);
            s.log().clearCache();
            assertThrows(CorruptionException.class, () -> s.log().entries(4, 5, Long.MAX_VALUE));
        }
    }

    @Test
    void aFlippedByteInAnSstFileIsRefusedAtOpenNamingTheFile() throws Exception {
        try (RaftStore s = Fixtures.open(dir); FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            s.log().write(LogWrite.append(entries(200), true));
            s.db().rocks().flush(fo, s.db().cf(Db.Cf.RAFT_LOG));
        }
        List<Path> ssts = files(dir, ".sst");
        assertEquals(1, ssts.size(), "the log column family was flushed to one SST: " + ssts);
        flipByte(ssts.get(0), 1_000);
        CorruptionException e = assertThrows(CorruptionException.class, () -> Fixtures.open(dir));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains(".sst"), e.getMessage());
    }

    @Test
    void aFlippedByteInTheMiddleOfTheWalIsRefusedNotSilentlyTruncated() throws Exception {
        try (RaftStore s = Fixtures.open(dir)) {
            for (List<Entry> e : List.of(entries(40).subList(0, 20), entries(40).subList(20, 40))) {
                s.log().write(LogWrite.append(e, true));
            }
        }
        Path wal = files(dir, ".log").get(files(dir, ".log").size() - 1);
        long size = Files.size(wal);
        flipByte(wal, size / 3);
        // Point-in-time recovery would stop at the damage and quietly forget every later (synced,
        // acknowledged) entry; a Raft node must not come back having lost votes or entries it promised.
        StorageException e = assertThrows(StorageException.class, () -> Fixtures.open(dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }
}
