package io.raftkv.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * A scripted in-memory cluster for scenario tests: a driver per node that honours the Ready contract
 * (send, persist, send-after-persist, apply, advance), and a network that delivers in FIFO order unless a
 * link is cut or a filter drops a message. Deterministic: node randomness is seeded from the node id.
 */
final class TestCluster {
    final TreeMap<Long, RawNode> nodes = new TreeMap<>();
    final TreeMap<Long, MemoryStorage> storages = new TreeMap<>();
    final TreeMap<Long, RaftConfig> configs = new TreeMap<>();
    final TreeMap<Long, List<Entry>> applied = new TreeMap<>();
    final TreeMap<Long, List<ReadState>> reads = new TreeMap<>();
    final TreeMap<Long, ConfState> confStates = new TreeMap<>();
    final ArrayDeque<Message> inflight = new ArrayDeque<>();
    final List<Message> delivered = new ArrayList<>();
    /** Directed links that drop everything: from -> set of to. */
    private final TreeMap<Long, TreeSet<Long>> cut = new TreeMap<>();
    private Predicate<Message> dropFilter = m -> false;
    private final TreeSet<Long> down = new TreeSet<>();

    static TestCluster of(int n) {
        return of(n, RaftConfig::defaults);
    }

    static TestCluster of(int n, LongFunction<RaftConfig> config) {
        TestCluster c = new TestCluster();
        List<Long> ids = new ArrayList<>();
        for (long i = 1; i <= n; i++) {
            ids.add(i);
        }
        for (long id : ids) {
            c.add(id, MemoryStorage.bootstrap(ConfState.of(ids)), config.apply(id));
        }
        return c;
    }

    /** Adds a node started from {@code storage} (e.g. an empty one for a node joining later). */
    RawNode add(long id, MemoryStorage storage, RaftConfig config) {
        storages.put(id, storage);
        configs.put(id, config);
        applied.put(id, new ArrayList<>());
        reads.put(id, new ArrayList<>());
        RawNode node = new RawNode(config, storage, new SplittableRandom(id * 7919));
        nodes.put(id, node);
        return node;
    }

    RawNode node(long id) {
        return nodes.get(id);
    }

    /** Crash (losing everything unpersisted) and restart from storage. */
    void restart(long id) {
        List<Entry> app = applied.get(id);
        long appliedIndex = storages.get(id).snapshot().index();
        app.removeIf(e -> e.index() > appliedIndex);
        RawNode node = new RawNode(configs.get(id).withApplied(appliedIndex), storages.get(id),
                new SplittableRandom(id * 7919 + 1));
        nodes.put(id, node);
        inflight.removeIf(m -> m.to() == id || m.from() == id);
    }

    void isolate(long id) {
        for (long other : nodes.keySet()) {
            if (other != id) {
                cutLink(id, other);
                cutLink(other, id);
            }
        }
    }

    void cutLink(long from, long to) {
        cut.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
    }

    void heal() {
        cut.clear();
        dropFilter = m -> false;
        down.clear();
    }

    void drop(Predicate<Message> filter) {
        dropFilter = filter;
    }

    void stop(long id) {
        down.add(id);
    }

    long leader() {
        long found = 0;
        for (Map.Entry<Long, RawNode> e : nodes.entrySet()) {
            if (!down.contains(e.getKey()) && e.getValue().status().softState().role() == StateRole.LEADER) {
                if (found != 0 && nodes.get(found).status().hardState().term() == e.getValue().status().hardState().term()) {
                    throw new AssertionError("two leaders in one term: " + found + " and " + e.getKey());
                }
                if (found == 0 || e.getValue().status().hardState().term() > nodes.get(found).status().hardState().term()) {
                    found = e.getKey();
                }
            }
        }
        return found;
    }

    void tick(long id, int times) {
        for (int i = 0; i < times; i++) {
            nodes.get(id).tick();
        }
    }

    void tickAll(int times) {
        for (int i = 0; i < times; i++) {
            for (long id : nodes.keySet()) {
                if (!down.contains(id)) {
                    nodes.get(id).tick();
                }
            }
            stabilize();
        }
    }

    /** Elects {@code id} by making it campaign, then lets the cluster settle. */
    void elect(long id) {
        nodes.get(id).campaign();
        stabilize();
    }

    /** Processes every Ready and delivers every message until nothing moves. */
    void stabilize() {
        for (int rounds = 0; rounds < 10_000; rounds++) {
            boolean progressed = false;
            for (long id : new ArrayList<>(nodes.keySet())) {
                if (!down.contains(id) && nodes.get(id).hasReady()) {
                    handleReady(id);
                    progressed = true;
                }
            }
            while (!inflight.isEmpty()) {
                Message m = inflight.poll();
                if (down.contains(m.to()) || !nodes.containsKey(m.to()) || isCut(m) || dropFilter.test(m)) {
                    continue;
                }
                delivered.add(m);
                nodes.get(m.to()).step(m);
                progressed = true;
            }
            if (!progressed) {
                return;
            }
        }
        throw new AssertionError("cluster did not stabilize");
    }

    private boolean isCut(Message m) {
        TreeSet<Long> to = cut.get(m.from());
        return (to != null && to.contains(m.to())) || down.contains(m.from());
    }

    /** Drives one Ready through the full contract and returns it for inspection. */
    Ready handleReady(long id) {
        RawNode node = nodes.get(id);
        MemoryStorage storage = storages.get(id);
        Ready rd = node.ready();
        inflight.addAll(rd.messages());
        rd.snapshot().ifPresent(s -> {
            storage.applySnapshot(s);
            List<Entry> app = applied.get(id);
            app.clear();
            confStates.put(id, s.metadata().confState());
        });
        storage.append(rd.entries());
        rd.hardState().ifPresent(storage::setHardState);
        inflight.addAll(rd.persistedMessages());
        for (Entry e : rd.committedEntries()) {
            if (e.type() == EntryType.CONF_CHANGE) {
                confStates.put(id, node.applyConfChange(ConfChange.decode(e.data())));
            }
            applied.get(id).add(e);
        }
        reads.get(id).addAll(rd.readStates());
        node.advance(rd);
        return rd;
    }

    long appliedIndex(long id) {
        List<Entry> app = applied.get(id);
        return app.isEmpty() ? storages.get(id).snapshot().index() : app.get(app.size() - 1).index();
    }

    /** The payloads of non-empty NORMAL entries a node applied, as strings. */
    List<String> appliedData(long id) {
        List<String> out = new ArrayList<>();
        for (Entry e : applied.get(id)) {
            if (e.type() == EntryType.NORMAL && e.data().length > 0) {
                out.add(new String(e.data(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Snapshots node {@code id}'s state at its applied index and compacts its log up to there. */
    long snapshotAndCompact(long id) {
        MemoryStorage s = storages.get(id);
        long at = appliedIndex(id);
        s.createSnapshot(at, nodes.get(id).status().config(), bytes("state@" + at));
        s.compact(at);
        return at;
    }

    /** Proposes on {@code leader} with {@code stopped} down and returns whether the commit index moved. */
    boolean commitsWithout(long leader, long... stopped) {
        for (long id : stopped) {
            stop(id);
        }
        long before = nodes.get(leader).status().hardState().commit();
        nodes.get(leader).propose(new byte[] {1});
        stabilize();
        return nodes.get(leader).status().hardState().commit() > before;
    }

    ProposeResult propose(long id, String data) {
        ProposeResult r = nodes.get(id).propose(bytes(data));
        stabilize();
        return r;
    }
}
