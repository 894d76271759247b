package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fault shim itself, and the write path's failed state. Negative controls: the shim must really lose data. */
class StorageFaultsTest {
    @TempDir
    Path dir;

    static List<Entry> entries(long from, int n) {
        return java.util.stream.LongStream.range(from, from + n)
                .mapToObj(i -> Fixtures.entry(1, i, new Command.Put(b("k" + i), b("v")))).toList();
    }

    @Test
    void powerLossDropsUnsyncedLogWritesAndKeepsSyncedOnes() throws Exception {
        StorageFaults faults = new StorageFaults();
        try (RaftStore s = Fixtures.open(dir, faults)) {
            // Entries start at 2: index 1 is the bootstrap snapshot.
            s.log().write(LogWrite.append(entries(2, 3), true));
            s.log().write(LogWrite.append(entries(5, 3), false));
            assertEquals(7, s.log().lastIndex());
        }
        faults.dropUnsyncedWrites(dir);
        try (RaftStore s = Fixtures.open(dir)) {
            assertEquals(4, s.log().lastIndex(), "the unsynced append must be gone, the synced one kept");
        }
    }

    @Test
    void aLaterSyncMakesEarlierUnsyncedApplyDurable() throws Exception {
        StorageFaults faults = new StorageFaults();
        try (RaftStore s = Fixtures.open(dir, faults)) {
            List<Entry> ents = entries(2, 4);
            s.persist(Fixtures.ready(ents, java.util.Optional.of(new HardState(1, 1, 5)), java.util.Optional.empty()));
            s.stateMachine().apply(ents.subList(0, 2), Map.of());
            s.log().write(LogWrite.hardState(new HardState(1, 1, 5), true));
            s.stateMachine().apply(ents.subList(2, 4), Map.of());
        }
        faults.dropUnsyncedWrites(dir);
        try (RaftStore s = Fixtures.open(dir)) {
            assertEquals(3, s.stateMachine().appliedIndex());
            assertTrue(s.stateMachine().get(b("k3")).isPresent());
            assertTrue(s.stateMachine().get(b("k4")).isEmpty());
        }
    }

    @Test
    void tornWalTailsRecoverToAConsistentPrefix() throws Exception {
        for (int seed = 0; seed < 10; seed++) {
            Path d = dir.resolve("s" + seed);
            StorageFaults faults = new StorageFaults();
            try (RaftStore s = Fixtures.open(d, faults)) {
                s.log().write(LogWrite.append(entries(2, 2), true));
                for (long i = 4; i < 41; i++) {
                    s.log().write(LogWrite.append(entries(i, 1), false));
                }
            }
            faults.dropUnsyncedWrites(d, new Random(seed));
            try (RaftStore s = Fixtures.open(d)) {
                long last = s.log().lastIndex();
                assertTrue(last >= 3 && last <= 40, "last " + last);
                assertEquals(entries(2, (int) last - 1), s.log().entries(2, last + 1, Long.MAX_VALUE));
            }
        }
    }

    @Test
    void anIoErrorStopsTheWritePathAndIsSticky() {
        StorageFaults faults = new StorageFaults();
        try (RaftStore s = Fixtures.open(dir, faults)) {
            s.log().write(LogWrite.append(entries(2, 2), true));
            IOException disk = new IOException("No space left on device");
            faults.failWritesWith(disk);
            StorageFailedException e = assertThrows(StorageFailedException.class,
                    () -> s.log().write(LogWrite.append(entries(4, 1), true)));
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertEquals(3, s.log().lastIndex(), "a failed batch is not acknowledged");
            assertTrue(s.failure().isPresent());
            // Healing the disk does not resume writes: the node must restart and recover from disk.
            faults.failAfterWrites(Integer.MAX_VALUE, disk);
            StorageFailedException again = assertThrows(StorageFailedException.class,
                    () -> s.stateMachine().apply(entries(2, 1), Map.of()));
            assertSame(s.failure().get(), again.getCause());
            // A valid request (newer than the bootstrap snapshot at 1, at a stored index and term): refused only for the failure.
            assertThrows(StorageFailedException.class, () -> s.log().recordSnapshot(new io.raftkv.raft.SnapshotMetadata(2, 1, Fixtures.VOTERS)));
            // Reads keep working so the node can still report its state.
            assertEquals(2, s.log().entries(2, 4, Long.MAX_VALUE).size());
        }
        try (RaftStore s = Fixtures.open(dir)) {
            assertEquals(3, s.log().lastIndex());
            assertTrue(s.failure().isEmpty());
        }
    }

    @Test
    void aFailedFsyncIsNotAcknowledgedButMayHaveReachedTheLog() {
        StorageFaults faults = new StorageFaults();
        try (RaftStore s = Fixtures.open(dir, faults)) {
            faults.failNextSync(new IOException("fsync: Input/output error"));
            assertThrows(StorageFailedException.class, () -> s.log().write(LogWrite.append(entries(2, 2), true)));
            assertEquals(1, s.log().lastIndex(), "still only the bootstrap snapshot");
        }
        try (RaftStore s = Fixtures.open(dir)) {
            // Without a power loss the OS kept the bytes: a replica may hold an entry it never acknowledged,
            // which Raft tolerates (the leader decides), unlike losing an acknowledged one.
            assertEquals(3, s.log().lastIndex());
        }
    }
}
