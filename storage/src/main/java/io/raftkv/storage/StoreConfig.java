package io.raftkv.storage;

import io.raftkv.raft.ConfState;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to open a node's store.
 *
 * @param dataDir            the node's data directory (RocksDB in {@code db/}, snapshot images in {@code snap/})
 * @param nodeId             this node's id; stored on first open and checked on every later one
 * @param clusterId          the cluster's id; likewise
 * @param initialMembers     for a founding member of a new cluster, the initial configuration, written
 *                           on first open only; null for a node that joins later (it learns everything
 *                           from the leader)
 * @param snapshotChunkBytes payload bytes per snapshot chunk
 * @param snapshotsToKeep    finished snapshot images kept (older ones are deleted)
 * @param verifyLogOnOpen    read and checksum every log entry on open (refuse to start on damage)
 * @param faults             test-only fault shim, null in production
 */
public record StoreConfig(Path dataDir, long nodeId, String clusterId, ConfState initialMembers, int snapshotChunkBytes,
                          int snapshotsToKeep, boolean verifyLogOnOpen, StorageFaults faults) {
    public static final int DEFAULT_CHUNK_BYTES = 1 << 20;

    public StoreConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clusterId, "clusterId");
        if (nodeId <= 0) {
            throw new IllegalArgumentException("node id must be positive: " + nodeId);
        }
        if (clusterId.isEmpty()) {
            throw new IllegalArgumentException("cluster id must not be empty");
        }
        if (snapshotChunkBytes < 1 || snapshotChunkBytes > Chunks.MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("snapshot chunk size " + snapshotChunkBytes);
        }
        if (snapshotsToKeep < 1) {
            throw new IllegalArgumentException("keep at least one snapshot");
        }
    }

    public static StoreConfig of(Path dataDir, long nodeId, String clusterId) {
        return new StoreConfig(dataDir, nodeId, clusterId, null, DEFAULT_CHUNK_BYTES, 2, true, null);
    }

    public StoreConfig withInitialMembers(ConfState members) {
        return new StoreConfig(dataDir, nodeId, clusterId, members, snapshotChunkBytes, snapshotsToKeep, verifyLogOnOpen, faults);
    }

    public StoreConfig withSnapshotChunkBytes(int bytes) {
        return new StoreConfig(dataDir, nodeId, clusterId, initialMembers, bytes, snapshotsToKeep, verifyLogOnOpen, faults);
    }

    public StoreConfig withFaults(StorageFaults f) {
        return new StoreConfig(dataDir, nodeId, clusterId, initialMembers, snapshotChunkBytes, snapshotsToKeep, verifyLogOnOpen, f);
    }

    public StoreConfig withVerifyLogOnOpen(boolean verify) {
        return new StoreConfig(dataDir, nodeId, clusterId, initialMembers, snapshotChunkBytes, snapshotsToKeep, verify, faults);
    }
}
