package io.raftkv.storage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/**
 * Points in the applied history at which the state is to be hashed for the corruption check: the apply
 * thread pins a RocksDB snapshot right after the batch that ends at a {@link Command.HashState} entry
 * (cheap), and another thread hashes it later (reads every key) and releases it. At most
 * {@value #MAX_PINNED} points stay pinned: a pinned snapshot keeps overwritten data alive on disk.
 */
final class HashPoints {
    static final int MAX_PINNED = 4;

    private final Db db;
    private final TreeMap<Long, Snapshot> pinned = new TreeMap<>();

    HashPoints(Db db) {
        this.db = db;
    }

    /** Apply thread: the state now is the state after {@code index}. */
    synchronized void mark(long index) {
        pinned.put(index, db.rocks().getSnapshot());
        while (pinned.size() > MAX_PINNED) {
            db.rocks().releaseSnapshot(pinned.pollFirstEntry().getValue());
        }
    }

    /**
     * SHA-256 over every key, value and session of the state after {@code index}, in key order; empty if
     * that point was never marked here or was already hashed or dropped.
     */
    Optional<byte[]> hash(long index) {
        Snapshot s;
        synchronized (this) {
            s = pinned.remove(index);
        }
        if (s == null) {
            return Optional.empty();
        }
        try (ReadOptions ro = new ReadOptions().setSnapshot(s)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            // Fixed tags, not enum ordinals: versions of raftkv must agree on the hash of the same state.
            for (Db.Cf cf : new Db.Cf[] {Db.Cf.KV, Db.Cf.SESSIONS}) {
                d.update((byte) (cf == Db.Cf.KV ? 1 : 2));
                try (RocksIterator it = db.rocks().newIterator(db.cf(cf), ro)) {
                    for (it.seekToFirst(); it.isValid(); it.next()) {
                        byte[] k = it.key();
                        byte[] v = it.value();
                        d.update(lengthOf(k));
                        d.update(k);
                        d.update(lengthOf(v));
                        d.update(v);
                    }
                    it.status();
                }
            }
            return Optional.of(d.digest());
        } catch (RocksDBException e) {
            throw db.readError("state for its hash at index " + index, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        } finally {
            db.rocks().releaseSnapshot(s);
        }
    }

    /** Releases every pinned snapshot (the store is closing). */
    synchronized void close() {
        for (Map.Entry<Long, Snapshot> e : pinned.entrySet()) {
            db.rocks().releaseSnapshot(e.getValue());
        }
        pinned.clear();
    }

    private static byte[] lengthOf(byte[] b) {
        int n = b.length;
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }
}
