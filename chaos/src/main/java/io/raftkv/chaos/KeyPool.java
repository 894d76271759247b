package io.raftkv.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The register keys in use. A few keys are active at a time; a key is retired after a number of
 * operations, or earlier once it has collected several indeterminate writes, and a fresh one takes its
 * place. This keeps every key's history short and its INFO operations few, which is what keeps the
 * linearizability search tractable (it is exponential in the concurrency of one key's history, and an
 * INFO operation is concurrent with everything after it). Jepsen's independent keys do the same.
 */
final class KeyPool {
    private final String prefix;
    private final int maxOps;
    private final int maxInfo;
    private final List<String> active = new ArrayList<>();
    private final Map<String, int[]> counts = new HashMap<>();
    private final Map<String, String> lastValue = new HashMap<>();
    private int next;

    KeyPool(String prefix, int activeKeys, int maxOpsPerKey, int maxInfoPerKey) {
        this.prefix = prefix;
        this.maxOps = maxOpsPerKey;
        this.maxInfo = maxInfoPerKey;
        for (int i = 0; i < activeKeys; i++) {
            active.add(fresh());
        }
    }

    private String fresh() {
        String k = prefix + next++;
        counts.put(k, new int[2]);
        return k;
    }

    synchronized String pick(Random rnd) {
        int i = rnd.nextInt(active.size());
        String k = active.get(i);
        int[] c = counts.get(k);
        if (++c[0] >= maxOps) {
            active.set(i, fresh());
        }
        return k;
    }

    /** Notes an INFO write on {@code key}; enough of them retire the key. */
    synchronized void indeterminate(String key) {
        int[] c = counts.get(key);
        if (++c[1] >= maxInfo) {
            int i = active.indexOf(key);
            if (i >= 0) {
                active.set(i, fresh());
            }
        }
    }

    /** The latest value seen for {@code key}, so that compare-and-sets have a fair chance to succeed. */
    synchronized String lastValue(String key) {
        return lastValue.get(key);
    }

    synchronized void observed(String key, String value) {
        if (value != null) {
            lastValue.put(key, value);
        }
    }

    synchronized int keysUsed() {
        return next;
    }
}
