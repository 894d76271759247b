package io.raftkv.storage;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The version and create index of recently written keys, so that applying a put need not read its key's old
 * record from RocksDB: that read (memtables, index and data blocks, decompression) was 18% of a leader's CPU
 * under a put load, on every replica. etcd keeps an index of every key in memory; this keeps the most
 * recently written ones, bounded by bytes, and falls back to RocksDB for the rest.
 *
 * <p>Only committed state goes in: an apply batch collects its changes and hands them over after its write
 * succeeded ({@link #commit}); a snapshot install clears everything. A deleted key is remembered as
 * {@link #ABSENT}. Touched by the apply thread and by the thread that installs snapshots (while apply is
 * drained), hence synchronized; never contended.
 *
 * <p>A cached key's numbers are rewritten in place: keeping the batch's new {@link Meta} instead made every
 * put of a cached key hand the old generation a fresh object (the map lives there) and leave the previous one
 * dead in it, 0.5-1 MB/s of promoted garbage under a put load, a full collection every 30-60 s.
 */
final class KeyVersions {
    /** What a key's record says about it (absent: version 0). */
    record Meta(long version, long createIndex) {
    }

    static final Meta ABSENT = new Meta(0, 0);

    /** A cached key's numbers, owned by the map and rewritten in place; version 0 is a deleted key. */
    private static final class Slot {
        long version;
        long createIndex;
    }

    static final long DEFAULT_CAPACITY_BYTES = 16L << 20;
    /** A map entry's heap cost beside the key's bytes: node, key and value objects, array header. */
    private static final long OVERHEAD_BYTES = 112;

    private final long capacityBytes;
    private final LinkedHashMap<Bytes, Slot> map = new LinkedHashMap<>(1024, 0.75f, true);
    private long bytes;

    KeyVersions(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    static long cost(Bytes key) {
        return key.size() + OVERHEAD_BYTES;
    }

    /** What the committed state says about {@code key}, or null if this cache does not know. */
    synchronized Meta get(Bytes key) {
        Slot s = map.get(key);
        if (s == null) {
            return null;
        }
        return s.version == 0 ? ABSENT : new Meta(s.version, s.createIndex);
    }

    /** Records what a successfully written apply batch did to these keys. */
    synchronized void commit(Map<Bytes, Meta> changes) {
        if (capacityBytes <= 0) {
            return;
        }
        for (Map.Entry<Bytes, Meta> c : changes.entrySet()) {
            Slot s = map.get(c.getKey()); // makes it the most recently used, as a put would
            if (s == null) {
                s = new Slot();
                map.put(c.getKey(), s);
                bytes += cost(c.getKey());
            }
            s.version = c.getValue().version();
            s.createIndex = c.getValue().createIndex();
        }
        Iterator<Map.Entry<Bytes, Slot>> eldest = map.entrySet().iterator();
        while (bytes > capacityBytes && eldest.hasNext()) {
            bytes -= cost(eldest.next().getKey());
            eldest.remove();
        }
    }

    /** Forgets everything (the state was replaced). */
    synchronized void clear() {
        map.clear();
        bytes = 0;
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return map.size();
    }
}
