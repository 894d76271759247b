package io.raftkv.storage;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * The incarnation the replicated state knows each member by ({@link Command.RecordIncarnation}), read into
 * memory after every batch that changed one, so the transport can check every incoming stream without
 * touching RocksDB.
 */
final class RecordedIncarnations {
    private final Db db;
    private volatile Map<Long, Long> byMember;

    RecordedIncarnations(Db db) {
        this.db = db;
        this.byMember = load();
    }

    long of(long member) {
        return byMember.getOrDefault(member, 0L);
    }

    void reload() {
        byMember = load();
    }

    private Map<Long, Long> load() {
        TreeMap<Long, Long> out = new TreeMap<>();
        byte[] prefix = Keys.INCARNATION_PREFIX;
        StateCodec.Where where = new StateCodec.Where(db.dataDir.toString(), "incarnation records");
        try (RocksIterator it = db.rocks().newIterator(db.cf(Db.Cf.STATE_META), db.readOptions)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (k.length != prefix.length + 8 || !Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length)) {
                    break;
                }
                out.put(Wire.getLongBE(k, prefix.length), StateCodec.longValue(it.value(), where));
            }
            it.status();
        } catch (RocksDBException e) {
            throw db.readError("incarnation records", e);
        }
        return Map.copyOf(out);
    }
}
