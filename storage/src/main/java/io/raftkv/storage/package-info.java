/**
 * Durable node state on RocksDB. Entry point: {@link io.raftkv.storage.RaftStore}. The Raft log is
 * {@link io.raftkv.storage.LogStore} (raft-core's {@code Storage}); the replicated key-value state
 * machine is {@link io.raftkv.storage.KvStateMachine}, driven by {@link io.raftkv.storage.Request}s
 * encoded with {@link io.raftkv.storage.CommandCodec}; snapshot images travel as checksummed chunks
 * through {@link io.raftkv.storage.SnapshotSource} and {@link io.raftkv.storage.SnapshotReceiver}.
 * Backups are the same images in a file with a header and a SHA-256 trailer:
 * {@link io.raftkv.storage.BackupSource} writes one from a live store, {@link io.raftkv.storage.BackupFile}
 * verifies one, {@link io.raftkv.storage.BackupRestore} makes a new cluster's data directory from one.
 * See the module README for the on-disk layout, durability rules and recovery.
 */
package io.raftkv.storage;
