package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static io.raftkv.storage.Fixtures.only;
import static io.raftkv.storage.Fixtures.propose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.HardState;
import io.raftkv.raft.LogCompactedException;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.raft.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A founding member's store holds what raft-core's {@link MemoryStorage#bootstrap} holds (the
 * configuration as a snapshot at index 1, term 1, with an image a leader can stream to a node added
 * later), and bootstrapping happens exactly once: whenever the store is uninitialized, never again.
 */
class BootstrapTest {
    @TempDir
    Path tmp;

    static final ConfState WITH_LEARNER = ConfState.of(List.of(1L, 2L, 3L), List.of(7L));

    static StoreConfig founding(Path dir, ConfState conf) {
        return StoreConfig.of(dir, 1, Fixtures.CLUSTER).withInitialMembers(conf);
    }

    static void assertSameAsMemoryStorageBootstrap(ConfState conf, Storage actual) {
        MemoryStorage expected = MemoryStorage.bootstrap(conf);
        assertEquals(expected.initialState(), actual.initialState());
        assertEquals(expected.firstIndex(), actual.firstIndex());
        assertEquals(expected.lastIndex(), actual.lastIndex());
        assertEquals(expected.term(1), actual.term(1));
        assertEquals(expected.snapshot().metadata(), actual.snapshot().metadata());
        // Both have index 1 compacted and nothing after it.
        assertThrows(LogCompactedException.class, () -> expected.entries(1, 2, Long.MAX_VALUE));
        assertThrows(LogCompactedException.class, () -> actual.entries(1, 2, Long.MAX_VALUE));
        assertEquals(expected.entries(2, 2, Long.MAX_VALUE), actual.entries(2, 2, Long.MAX_VALUE));
        // And the values raft-core documents, so a change on both sides is noticed too.
        assertEquals(new Storage.InitialState(new HardState(1, 0, 1), conf), actual.initialState());
        assertEquals(2, actual.firstIndex());
        assertEquals(1, actual.lastIndex());
        assertEquals(1, actual.term(1));
        assertEquals(new SnapshotMetadata(1, 1, conf), actual.snapshot().metadata());
    }

    static void assertBootstrapped(RaftStore s, ConfState conf) {
        assertSameAsMemoryStorageBootstrap(conf, s.log());
        assertEquals(new KvStateMachine.AppliedState(1, 1, conf, 0), s.stateMachine().applied());
        try (SnapshotSource src = s.openSnapshot(s.log().snapshot().metadata())) {
            assertTrue(src.chunkCount() >= 1, "chunks: " + src.chunkCount());
            for (int k = 0; k < src.chunkCount(); k++) {
                src.chunk(k); // verified before it would leave
            }
        }
    }

    @Test
    void aBootstrappedLogAgreesWithMemoryStorageBootstrap() {
        for (ConfState conf : List.of(Fixtures.VOTERS, WITH_LEARNER)) {
            Path dir = tmp.resolve("n" + conf.allMembers().size());
            try (RaftStore s = RaftStore.open(founding(dir, conf))) {
                assertBootstrapped(s, conf);
            }
            // What was written, not only what the open store keeps in memory.
            try (RaftStore s = RaftStore.open(founding(dir, conf))) {
                assertBootstrapped(s, conf);
            }
        }
    }

    /** The chunk sizes: the default (one chunk for the empty state) and a tiny one (several). */
    @ParameterizedTest(name = "chunk bytes = {0}")
    @ValueSource(ints = {StoreConfig.DEFAULT_CHUNK_BYTES, 32})
    void theBootstrapImageIsStreamedToAndInstalledByANodeAddedLater(int chunkBytes) {
        try (RaftStore leader = RaftStore.open(founding(tmp.resolve("leader"), Fixtures.VOTERS).withSnapshotChunkBytes(chunkBytes));
             RaftStore joiner = RaftStore.open(StoreConfig.of(tmp.resolve("joiner"), 4, Fixtures.CLUSTER))) {
            assertEquals(ConfState.EMPTY, joiner.log().initialState().confState());
            assertTrue(joiner.log().snapshot().isEmpty());
            assertEquals(0, joiner.stateMachine().appliedIndex());

            SnapshotMetadata meta = leader.log().snapshot().metadata();
            assertEquals(MemoryStorage.bootstrapSnapshot(Fixtures.VOTERS).metadata(), meta);
            try (SnapshotSource src = leader.openSnapshot(meta); SnapshotReceiver rcv = joiner.receiveSnapshot(meta)) {
                assertTrue(src.chunkCount() >= 1);
                if (chunkBytes == 32) {
                    assertTrue(src.chunkCount() > 1, "chunks: " + src.chunkCount());
                }
                for (int k = 0; k < src.chunkCount(); k++) {
                    assertFalse(rcv.isComplete());
                    assertEquals(k == src.chunkCount() - 1, rcv.accept(src.chunk(k)), "chunk " + k);
                }
                assertTrue(rcv.isComplete());
            }
            // The leader (term 2 after the first election) sends InstallSnapshot.
            joiner.persist(Fixtures.ready(List.of(), Optional.of(new HardState(2, 0, 1)), Optional.of(new Snapshot(meta, null))));
            assertEquals(new KvStateMachine.AppliedState(1, 1, Fixtures.VOTERS, 0), joiner.stateMachine().applied());
            assertEquals(Fixtures.VOTERS, joiner.log().initialState().confState());
            assertEquals(meta, joiner.log().snapshot().metadata());
            assertEquals(2, joiner.log().firstIndex());
            assertEquals(1, joiner.log().lastIndex());
            assertEquals(1, joiner.log().term(1));
            // It takes the leader's entries from index 2 on.
            assertEquals(new Result.Written(2, 1), only(propose(joiner, 2, new Command.Put(b("k"), b("v")))));
        }
    }

    @Test
    void reopeningABootstrappedStoreDoesNotBootstrapAgain() {
        Path dir = tmp.resolve("n");
        try (RaftStore s = RaftStore.open(founding(dir, Fixtures.VOTERS))) {
            // Only a vote, no entries yet.
            s.persist(Fixtures.ready(List.of(), Optional.of(new HardState(2, 3, 1)), Optional.empty()));
        }
        try (RaftStore s = RaftStore.open(founding(dir, Fixtures.VOTERS))) {
            assertEquals(new HardState(2, 3, 1), s.log().hardState(), "a second bootstrap would forget the vote");
            propose(s, 3, new Command.Put(b("k"), b("v1")), new Command.Put(b("k"), b("v2")));
        }
        try (RaftStore s = RaftStore.open(founding(dir, Fixtures.VOTERS))) {
            assertEquals(new HardState(3, 1, 3), s.log().hardState());
            assertEquals(new KvStateMachine.AppliedState(3, 3, Fixtures.VOTERS, 0), s.stateMachine().applied());
            assertEquals(2, s.log().firstIndex());
            assertEquals(3, s.log().lastIndex());
            assertEquals(3, s.log().term(3));
            assertEquals(new KeyValue(b("k"), b("v2"), 2, 2, 3), s.stateMachine().get(b("k")).orElseThrow());
            assertEquals(new SnapshotMetadata(1, 1, Fixtures.VOTERS), s.log().snapshot().metadata());
        }
    }

    @Test
    void aStoreThatDiedBetweenIdentityAndBootstrapIsBootstrappedOnTheNextOpen() {
        Path dir = tmp.resolve("n");
        // The identity is written (synced) and nothing else, as if the process died right after it.
        try (RaftStore s = RaftStore.open(StoreConfig.of(dir, 1, Fixtures.CLUSTER))) {
            assertEquals(new Storage.InitialState(HardState.EMPTY, ConfState.EMPTY), s.log().initialState());
            assertTrue(s.log().snapshot().isEmpty());
            assertEquals(0, s.log().lastIndex());
            assertEquals(0, s.stateMachine().appliedIndex());
        }
        assertThrows(DataDirMismatchException.class, () -> RaftStore.open(StoreConfig.of(dir, 2, Fixtures.CLUSTER)),
                "the identity was stored");
        try (RaftStore s = RaftStore.open(founding(dir, Fixtures.VOTERS))) {
            assertBootstrapped(s, Fixtures.VOTERS);
        }
        try (RaftStore s = RaftStore.open(founding(dir, Fixtures.VOTERS))) {
            assertBootstrapped(s, Fixtures.VOTERS);
        }
    }

    /**
     * The bootstrap batch is synced before the image is written; a crash in between (the image only a
     * {@code .tmp}, deleted at open) must not leave the founding snapshot without an image to stream, and
     * writing it later must not touch the hard state.
     */
    @Test
    void aStoreThatDiedBeforeItsBootstrapImageWasRenamedGetsTheImageOnTheNextOpen() throws Exception {
        Path dir = tmp.resolve("n");
        SnapshotMetadata meta;
        try (RaftStore s = RaftStore.open(founding(dir, Fixtures.VOTERS))) {
            meta = s.log().snapshot().metadata();
            s.persist(Fixtures.ready(List.of(), Optional.of(new HardState(2, 3, 1)), Optional.empty()));
        }
        Path image = dir.resolve("snap").resolve(SnapshotFiles.baseName(meta.index(), meta.term()) + SnapshotFiles.IMAGE);
        assertTrue(Files.exists(image));
        Files.move(image, dir.resolve("snap").resolve(SnapshotFiles.baseName(meta.index(), meta.term()) + SnapshotFiles.TEMP));
        for (StoreConfig reopen : List.of(StoreConfig.of(dir, 1, Fixtures.CLUSTER), founding(dir, Fixtures.VOTERS))) {
            try (RaftStore s = RaftStore.open(reopen)) {
                assertTrue(Files.exists(image), "image rewritten at open");
                assertEquals(new HardState(2, 3, 1), s.log().hardState());
                assertEquals(new KvStateMachine.AppliedState(1, 1, Fixtures.VOTERS, 0), s.stateMachine().applied());
                try (SnapshotSource src = s.openSnapshot(meta)) {
                    assertTrue(src.chunkCount() >= 1);
                    src.chunk(0);
                }
            }
            Files.delete(image); // again, for the next way of reopening
        }
    }
}
