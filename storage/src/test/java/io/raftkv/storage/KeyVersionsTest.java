package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static io.raftkv.storage.Fixtures.propose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-memory versions a put uses instead of reading its key's old record: what they give must be exactly
 * what RocksDB holds, through batches, deletes, range deletes, transactions and restarts.
 */
class KeyVersionsTest {
    @TempDir
    Path dir;

    @Test
    void boundedByBytesEvictingTheLeastRecentlyUsed() {
        KeyVersions v = new KeyVersions(3 * KeyVersions.cost(b("k0")));
        for (int i = 0; i < 3; i++) {
            v.commit(Map.of(b("k" + i), new KeyVersions.Meta(1, i)));
        }
        v.get(b("k0"));
        v.commit(Map.of(b("k3"), new KeyVersions.Meta(1, 3)));
        assertEquals(3, v.size());
        assertNull(v.get(b("k1")), "the least recently used key goes first");
        assertEquals(new KeyVersions.Meta(1, 0), v.get(b("k0")));
        assertTrue(v.bytes() <= 3 * KeyVersions.cost(b("k0")));
        v.clear();
        assertEquals(0, v.size());
        assertEquals(0, v.bytes());
        new KeyVersions(0).commit(Map.of(b("k"), KeyVersions.ABSENT));
    }

    @Test
    void rewritingACachedKeyKeepsNothingOfTheBatch() throws InterruptedException {
        KeyVersions v = new KeyVersions(1 << 20);
        v.commit(Map.of(b("k"), new KeyVersions.Meta(1, 5)));
        WeakReference<KeyVersions.Meta> batchMeta = commitVersion2(v);
        assertEquals(new KeyVersions.Meta(2, 5), v.get(b("k")));
        // The cache outlives many collections: holding the batch's objects promotes them and leaves the
        // previous ones dead in the old generation, on every put of a cached key.
        for (int i = 0; i < 50 && batchMeta.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(batchMeta.get(), "the cache holds the batch's Meta");
        assertEquals(new KeyVersions.Meta(2, 5), v.get(b("k")));
        assertEquals(KeyVersions.cost(b("k")), v.bytes(), "one key, counted once");
    }

    private static WeakReference<KeyVersions.Meta> commitVersion2(KeyVersions v) {
        KeyVersions.Meta m = new KeyVersions.Meta(2, 5);
        v.commit(Map.of(b("k"), m));
        return new WeakReference<>(m);
    }

    /** Expected (version, createIndex) per key, computed from the commands alone. */
    private static final class Model {
        final Map<Bytes, long[]> keys = new HashMap<>();

        void put(Bytes k, long index) {
            long[] m = keys.get(k);
            keys.put(k, m == null ? new long[] {1, index} : new long[] {m[0] + 1, m[1]});
        }
    }

    @Test
    void versionsMatchAModelThroughBatchesDeletesRangeDeletesTransactionsAndRestarts() {
        Random rnd = new Random(42);
        Model model = new Model();
        RaftStore store = Fixtures.open(dir);
        try {
            for (int round = 0; round < 60; round++) {
                if (round % 20 == 19) {
                    // A restart empties the cache: versions then come from RocksDB again.
                    store.close();
                    store = Fixtures.open(dir);
                }
                long index = store.stateMachine().appliedIndex() + 1;
                List<Command> batch = new ArrayList<>();
                int n = 1 + rnd.nextInt(8);
                for (int i = 0; i < n; i++, index++) {
                    Bytes k = b("k" + rnd.nextInt(12));
                    int op = rnd.nextInt(10);
                    if (op < 6) {
                        batch.add(new Command.Put(k, b("v" + index)));
                        model.put(k, index);
                    } else if (op < 8) {
                        batch.add(new Command.Delete(k));
                        model.keys.remove(k);
                    } else if (op < 9) {
                        batch.add(new Command.DeleteRange(KeyRange.prefix(b("k1"))));
                        model.keys.keySet().removeIf(x -> x.startsWith(b("k1")));
                    } else {
                        long[] m = model.keys.get(k);
                        batch.add(Command.Txn.putIfVersion(k, m == null ? 0 : m[0], b("t" + index)));
                        model.put(k, index);
                    }
                }
                propose(store, 1, batch.toArray(new Command[0]));
                for (int i = 0; i < 12; i++) {
                    Bytes k = b("k" + i);
                    long[] m = model.keys.get(k);
                    KeyValue kv = store.stateMachine().get(k).orElse(null);
                    if (m == null) {
                        assertNull(kv, "round " + round + ": " + k);
                    } else {
                        assertEquals(m[0], kv.version(), "round " + round + ": version of " + k);
                        assertEquals(m[1], kv.createIndex(), "round " + round + ": create index of " + k);
                    }
                }
            }
        } finally {
            store.close();
        }
    }
}
