package io.raftkv.storage;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Which life of each node this node has talked to. Every data directory gets a random incarnation id when
 * it is first initialised; peers remember the incarnation they first saw for each node id and refuse
 * traffic from any other one. A member that comes back under its old id with an empty disk (a recreated
 * directory, a re-restored backup) has forgotten its votes and the entries it acknowledged: letting it
 * vote can lose committed writes (issue 12, defect 2). etcd refuses such a member at start; this also
 * refuses it at runtime, from every peer that ever heard from it.
 *
 * <p>Local knowledge, kept in the default column family: not replicated, not in snapshots or backups (a
 * restored cluster is a new cluster whose members all start with new incarnations).
 */
public final class Incarnations {
    /** What a node's check of a peer's incarnation found. */
    public enum Verdict { KNOWN, FIRST_SEEN, CHANGED }

    private final Db db;
    private final long self;
    private final ConcurrentHashMap<Long, Long> seen = new ConcurrentHashMap<>();

    Incarnations(Db db, boolean freshDirectory) {
        this.db = db;
        this.self = loadOrCreate(freshDirectory);
        load();
    }

    /** This data directory's incarnation (never 0). */
    public long self() {
        return self;
    }

    /** The incarnation first seen for {@code peer}, or 0 if none was seen. */
    public long of(long peer) {
        return seen.getOrDefault(peer, 0L);
    }

    /**
     * Checks {@code incarnation} of {@code peer} (0: a peer too old to send one, accepted). The first one
     * seen is stored durably before it is accepted, so a restart cannot forget it.
     */
    public Verdict check(long peer, long incarnation) {
        if (incarnation == 0) {
            return Verdict.KNOWN;
        }
        Long known = seen.get(peer);
        if (known != null) {
            return known == incarnation ? Verdict.KNOWN : Verdict.CHANGED;
        }
        synchronized (this) {
            known = seen.get(peer);
            if (known != null) {
                return known == incarnation ? Verdict.KNOWN : Verdict.CHANGED;
            }
            try (WriteBatch b = new WriteBatch()) {
                b.put(db.cf(Db.Cf.DEFAULT), Keys.peerIncarnationKey(peer), StateCodec.longValue(incarnation));
                db.write(b, true, "incarnation of node " + peer);
            } catch (RocksDBException e) {
                throw new StorageException("cannot build incarnation batch", e);
            }
            seen.put(peer, incarnation);
            return Verdict.FIRST_SEEN;
        }
    }

    private long loadOrCreate(boolean fresh) {
        StateCodec.Where where = new StateCodec.Where(db.dataDir.toString(), "incarnation");
        try {
            byte[] v = db.rocks().get(db.cf(Db.Cf.DEFAULT), db.readOptions, Keys.INCARNATION);
            if (v != null) {
                return StateCodec.longValue(v, where);
            }
        } catch (RocksDBException e) {
            throw db.readError("incarnation", e);
        }
        // A directory from before incarnations existed gets one now; its peers have recorded none for it.
        long id = 0;
        SecureRandom random = new SecureRandom();
        while (id == 0) {
            id = random.nextLong();
        }
        try (WriteBatch b = new WriteBatch()) {
            b.put(db.cf(Db.Cf.DEFAULT), Keys.INCARNATION, StateCodec.longValue(id));
            db.write(b, true, fresh ? "incarnation of a new data directory" : "incarnation of an existing data directory");
        } catch (RocksDBException e) {
            throw new StorageException("cannot build incarnation batch", e);
        }
        return id;
    }

    private void load() {
        StateCodec.Where where = new StateCodec.Where(db.dataDir.toString(), "peer incarnations");
        byte[] prefix = Keys.PEER_INCARNATION_PREFIX;
        try (RocksIterator it = db.rocks().newIterator(db.cf(Db.Cf.DEFAULT), db.readOptions)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (k.length != prefix.length + 8 || !java.util.Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length)) {
                    break;
                }
                seen.put(Wire.getLongBE(k, prefix.length), StateCodec.longValue(it.value(), where));
            }
            it.status();
        } catch (RocksDBException e) {
            throw db.readError("peer incarnations", e);
        }
    }
}
