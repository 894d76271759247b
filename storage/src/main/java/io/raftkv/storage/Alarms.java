package io.raftkv.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.AbstractWriteBatch;

/**
 * The alarms in the replicated state: written in the apply batch of the {@link Command.SetAlarm} that
 * raises or clears them (and dropped with a member's removal), read into memory after every batch so that
 * admission can check them on each request without touching RocksDB.
 */
final class Alarms {
    private final Db db;
    private volatile List<Alarm> active;

    Alarms(Db db) {
        this.db = db;
        this.active = load();
    }

    List<Alarm> active() {
        return active;
    }

    /** Re-reads the stored alarms (after an apply batch that changed them, a snapshot install). */
    void reload() {
        active = load();
    }

    static void set(Db db, AbstractWriteBatch batch, Command.SetAlarm a) throws RocksDBException {
        byte[] key = Keys.alarmKey(a.member(), a.type());
        if (a.active()) {
            batch.put(db.cf(Db.Cf.STATE_META), key, a.detail().getBytes(StandardCharsets.UTF_8));
        } else {
            batch.delete(db.cf(Db.Cf.STATE_META), key);
        }
    }

    /** A removed member's alarms go with it. */
    static void clearMember(Db db, AbstractWriteBatch batch, long member) throws RocksDBException {
        for (Alarm.Type t : Alarm.Type.values()) {
            batch.delete(db.cf(Db.Cf.STATE_META), Keys.alarmKey(member, t));
        }
    }

    private List<Alarm> load() {
        List<Alarm> out = new ArrayList<>();
        byte[] prefix = Keys.ALARM_PREFIX;
        Alarm.Type[] types = Alarm.Type.values();
        try (RocksIterator it = db.rocks().newIterator(db.cf(Db.Cf.STATE_META), db.readOptions)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (k.length != prefix.length + 9 || !Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length)) {
                    break;
                }
                int type = k[k.length - 1];
                if (type < 0 || type >= types.length) {
                    // Raised by a newer version: not ours to interpret, and not ours to drop.
                    continue;
                }
                out.add(new Alarm(Wire.getLongBE(k, prefix.length), types[type], new String(it.value(), StandardCharsets.UTF_8)));
            }
            it.status();
        } catch (RocksDBException e) {
            throw db.readError("alarms", e);
        }
        return List.copyOf(out);
    }
}
