package io.raftkv.raft;

import java.util.List;

/** The reference implementation against the shared storage contract. */
class MemoryStorageContractTest extends StorageContractTest {

    @Override
    protected Storage create() {
        return new MemoryStorage();
    }

    @Override
    protected void append(Storage s, List<Entry> entries) {
        ((MemoryStorage) s).append(entries);
    }

    @Override
    protected void setHardState(Storage s, HardState hs) {
        ((MemoryStorage) s).setHardState(hs);
    }

    @Override
    protected void applySnapshot(Storage s, SnapshotMetadata meta) {
        ((MemoryStorage) s).applySnapshot(new Snapshot(meta, null));
    }

    @Override
    protected void createSnapshot(Storage s, long index, ConfState conf) {
        ((MemoryStorage) s).createSnapshot(index, conf, new byte[] {1, 2, 3});
    }

    @Override
    protected void compact(Storage s, long index) {
        ((MemoryStorage) s).compact(index);
    }
}
