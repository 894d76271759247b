package io.raftkv.storage;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.raft.Storage;
import io.raftkv.raft.StorageContractTest;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The RocksDB log against the shared storage contract; {@link #reopen} really closes and reopens the store. */
class RocksLogStoreContractTest extends StorageContractTest {
    @TempDir
    Path tmp;

    private final Map<Storage, RaftStore> stores = new IdentityHashMap<>();
    private int dirs;

    private RaftStore store(Storage s) {
        return stores.get(s);
    }

    @Override
    protected Storage create() {
        return track(RaftStore.open(StoreConfig.of(tmp.resolve("node" + dirs++), 1, "contract")));
    }

    private Storage track(RaftStore st) {
        stores.put(st.log(), st);
        return st.log();
    }

    @Override
    protected Storage reopen(Storage s) {
        RaftStore st = stores.remove(s);
        st.close();
        return track(RaftStore.open(StoreConfig.of(st.dataDir(), 1, "contract")));
    }

    @Override
    protected void append(Storage s, List<Entry> entries) {
        store(s).log().write(LogWrite.append(entries, true));
    }

    @Override
    protected void setHardState(Storage s, HardState hs) {
        store(s).log().write(LogWrite.hardState(hs, true));
    }

    @Override
    protected void applySnapshot(Storage s, SnapshotMetadata meta) {
        store(s).log().write(new LogWrite(Optional.of(meta), List.of(), Optional.empty(), true));
    }

    @Override
    protected void createSnapshot(Storage s, long index, ConfState conf) {
        // Out-of-range indexes must reach recordSnapshot to be refused there, not fail in term().
        long term = index >= s.firstIndex() - 1 && index <= s.lastIndex() ? s.term(index) : 0;
        store(s).log().recordSnapshot(new SnapshotMetadata(index, term, conf));
    }

    @Override
    protected void compact(Storage s, long index) {
        store(s).log().compact(index);
    }

    @AfterEach
    void closeAll() {
        stores.values().forEach(RaftStore::close);
        stores.clear();
    }
}
