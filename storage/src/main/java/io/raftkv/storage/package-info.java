/**
 * Durable node state on RocksDB. Entry point: {@link io.raftkv.storage.RaftStore}. The Raft log is
 * {@link io.raftkv.storage.LogStore} (raft-core's {@code Storage}); the replicated key-value state
 * machine is {@link io.raftkv.storage.KvStateMachine}, driven by {@link io.raftkv.storage.Request}s
 * encoded with {@link io.raftkv.storage.CommandCodec}; snapshot images travel as checksummed chunks
 * through {@link io.raftkv.storage.SnapshotSource} and {@link io.raftkv.storage.SnapshotReceiver}.
 * See the module README for the on-disk layout, durability rules and recovery.
 */
package io.raftkv.storage;
