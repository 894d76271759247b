package io.raftkv.storage;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Snapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builders shared by the storage tests. */
final class Fixtures {
    private Fixtures() {
    }

    static final String CLUSTER = "test-cluster";
    static final ConfState VOTERS = ConfState.of(List.of(1L, 2L, 3L));

    static RaftStore open(Path dir) {
        return RaftStore.open(StoreConfig.of(dir, 1, CLUSTER).withInitialMembers(VOTERS));
    }

    static RaftStore open(Path dir, StorageFaults faults) {
        return RaftStore.open(StoreConfig.of(dir, 1, CLUSTER).withInitialMembers(VOTERS).withFaults(faults));
    }

    static Bytes b(String s) {
        return Bytes.of(s);
    }

    static Entry entry(long term, long index, Command c) {
        return Entry.normal(term, index, CommandCodec.encode(Request.of(c)));
    }

    static Entry entry(long term, long index, Request r) {
        return Entry.normal(term, index, CommandCodec.encode(r));
    }

    /** Appends (synced) and commits {@code commands} after the current last index, then applies them. */
    static List<Applied> propose(RaftStore store, long term, Command... commands) {
        List<Request> rs = new ArrayList<>();
        for (Command c : commands) {
            rs.add(Request.of(c));
        }
        return proposeRequests(store, term, rs);
    }

    static List<Applied> proposeRequests(RaftStore store, long term, List<Request> requests) {
        long next = store.log().lastIndex() + 1;
        List<Entry> ents = new ArrayList<>();
        for (Request r : requests) {
            ents.add(entry(term, next++, r));
        }
        commit(store, term, ents);
        return store.stateMachine().apply(ents, Map.of());
    }

    static void commit(RaftStore store, long term, List<Entry> ents) {
        long last = ents.isEmpty() ? store.log().lastIndex() : ents.get(ents.size() - 1).index();
        store.persist(ready(ents, Optional.of(new HardState(term, 1, last)), Optional.empty()));
    }

    static Ready ready(List<Entry> ents, Optional<HardState> hs, Optional<Snapshot> snap) {
        return new Ready(Optional.empty(), hs, List.of(), ents, snap, List.of(), List.of(), List.of(), true);
    }

    static Result only(List<Applied> applied) {
        if (applied.size() != 1) {
            throw new AssertionError("expected one result, got " + applied);
        }
        return applied.get(0).result();
    }
}
