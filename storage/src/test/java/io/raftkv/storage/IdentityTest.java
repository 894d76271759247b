package io.raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.SnapshotMetadata;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {
    @TempDir
    Path dir;

    @Test
    void aDataDirectoryServesOnlyTheNodeAndClusterThatCreatedIt() {
        RaftStore.open(StoreConfig.of(dir, 3, "alpha")).close();
        DataDirMismatchException otherNode = assertThrows(DataDirMismatchException.class,
                () -> RaftStore.open(StoreConfig.of(dir, 5, "alpha")));
        assertTrue(otherNode.getMessage().contains("node 3 of cluster 'alpha'")
                && otherNode.getMessage().contains("node 5 of cluster 'alpha'")
                && otherNode.getMessage().contains(dir.toString()), otherNode.getMessage());
        DataDirMismatchException otherCluster = assertThrows(DataDirMismatchException.class,
                () -> RaftStore.open(StoreConfig.of(dir, 3, "beta")));
        assertTrue(otherCluster.getMessage().contains("cluster 'beta'"), otherCluster.getMessage());
        RaftStore.open(StoreConfig.of(dir, 3, "alpha")).close();
    }

    @Test
    void foundingMembersAreWrittenOnFirstStartOnly() {
        ConfState initial = ConfState.of(List.of(1L, 2L, 3L));
        try (RaftStore s = RaftStore.open(StoreConfig.of(dir, 1, "c").withInitialMembers(initial))) {
            assertEquals(initial, s.log().initialState().confState());
            // As raft-core's MemoryStorage.bootstrap: the configuration is a snapshot at index 1, term 1.
            assertEquals(new SnapshotMetadata(1, 1, initial), s.log().snapshot().metadata());
            assertEquals(2, s.log().firstIndex());
            assertEquals(1, s.log().lastIndex());
        }
        try (RaftStore s = RaftStore.open(StoreConfig.of(dir, 1, "c").withInitialMembers(ConfState.of(List.of(9L))))) {
            assertEquals(initial, s.log().initialState().confState());
        }
    }

    @Test
    void aJoiningNodeStartsWithAnEmptyConfiguration() {
        try (RaftStore s = RaftStore.open(StoreConfig.of(dir, 4, "c"))) {
            assertEquals(ConfState.EMPTY, s.log().initialState().confState());
            assertTrue(s.log().snapshot().isEmpty());
        }
    }
}
