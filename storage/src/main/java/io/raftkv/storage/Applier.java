package io.raftkv.storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * Runs commands of one apply batch against a {@link WriteBatchWithIndex}: reads see the batch's own
 * earlier writes merged over the database, so a whole batch of entries (and each transaction inside it)
 * behaves as if applied one by one, yet reaches RocksDB as one atomic write.
 */
final class Applier implements AutoCloseable {
    final WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
    private final Db db;
    long logClock;

    /** Whether this batch changed an alarm or an incarnation record (their in-memory copies are then re-read). */
    boolean metaChanged;

    /** The auth store as of this point of the batch; written to the batch on every change. */
    AuthState auth;
    boolean authChanged;
    /** Who sent the request being applied ("" with auth off): the owner of a session it opens. */
    String requester = "";

    /** What the committed state says about keys (shared, committed state only). */
    private final KeyVersions versions;
    /** What this batch did to keys so far; handed to {@link #versions} once the batch is written. */
    final Map<Bytes, KeyVersions.Meta> written = new HashMap<>();

    Applier(Db db, long logClock, AuthState auth, KeyVersions versions) {
        this.db = db;
        this.logClock = logClock;
        this.auth = auth;
        this.versions = versions;
    }

    /** The batch was written: its key changes are committed state now. */
    void committed() {
        versions.commit(written);
    }

    @Override
    public void close() {
        batch.close();
    }

    Result execute(Command c, long index) throws RocksDBException {
        if (c instanceof Command.Put p) {
            return put(p.key(), p.value(), index);
        } else if (c instanceof Command.Delete d) {
            return new Result.Deleted(delete(d.key()) ? 1 : 0);
        } else if (c instanceof Command.DeleteRange d) {
            return new Result.Deleted(deleteRange(d.range()));
        } else if (c instanceof Command.Txn t) {
            return txn(t, index);
        } else if (c instanceof Command.OpenSession o) {
            advanceClock(o.leaderTimeMillis());
            // The entry index is unique cluster-wide and the same on every replica: a ready-made session id.
            putSession(new KvRecord.Session(index, 0, o.ttlMillis(), logClock, null, requester));
            return new Result.SessionOpened(index);
        } else if (c instanceof Command.KeepAlive k) {
            advanceClock(k.leaderTimeMillis());
            KvRecord.Session s = session(k.sessionId());
            if (s == null) {
                return unknownSession(k.sessionId());
            }
            Result.Rejected notOwner = notOwner(s);
            if (notOwner != null) {
                return notOwner;
            }
            putSession(s.next(s.lastSequence(), logClock, s.lastResult()));
            return new Result.Done();
        } else if (c instanceof Command.CloseSession cs) {
            KvRecord.Session s = session(cs.sessionId());
            if (s == null) {
                return unknownSession(cs.sessionId());
            }
            Result.Rejected notOwner = notOwner(s);
            if (notOwner != null) {
                return notOwner;
            }
            batch.delete(db.cf(Db.Cf.SESSIONS), Keys.sessionKey(cs.sessionId()));
            return new Result.Done();
        } else if (c instanceof Command.ExpireSessions e) {
            advanceClock(e.leaderTimeMillis());
            return new Result.SessionsExpired(expireSessions());
        } else if (c instanceof Command.HashState) {
            return new Result.HashPoint(index);
        } else if (c instanceof Command.SetAlarm a) {
            Alarms.set(db, batch, a);
            metaChanged = true;
            return new Result.Done();
        } else if (c instanceof Command.RecordIncarnation r) {
            if (batch.getFromBatchAndDB(db.rocks(), db.cf(Db.Cf.STATE_META), db.readOptions,
                    Keys.incarnationKey(r.member())) == null) {
                batch.put(db.cf(Db.Cf.STATE_META), Keys.incarnationKey(r.member()), StateCodec.longValue(r.incarnation()));
                metaChanged = true;
            }
            return new Result.Done();
        } else if (c instanceof Command.Auth au) {
            AuthState.Change change = auth.apply(au.op());
            if (change.refusal() != null) {
                return new Result.Rejected(Result.Reason.AUTH_REFUSED, change.refusal());
            }
            auth = change.next();
            authChanged = true;
            batch.put(db.cf(Db.Cf.STATE_META), Keys.AUTH, AuthCodec.encodeState(auth));
            return new Result.AuthChanged(auth.revision());
        }
        throw new IllegalStateException("unknown command " + c);
    }

    /**
     * While auth is enabled, a session opened by a user serves only that user (and root), and one opened while
     * auth was off (no owner) only root: its stored last result may hold what any user read, and a "retry" of
     * its sequence by another user would be answered with it. Null if the requester may use {@code s}.
     */
    Result.Rejected notOwner(KvRecord.Session s) {
        if (!auth.enabled() || (!s.owner().isEmpty() && s.owner().equals(requester))) {
            return null;
        }
        AuthState.User u = auth.users().get(requester);
        if (u != null && u.isRoot()) {
            return null;
        }
        if (s.owner().isEmpty()) {
            return new Result.Rejected(Result.Reason.NOT_SESSION_OWNER, "session " + s.id() + " was opened while auth "
                    + "was off and belongs to no user (only root may use it): open a new session");
        }
        return new Result.Rejected(Result.Reason.NOT_SESSION_OWNER, "session " + s.id() + " belongs to user \""
                + s.owner() + "\", not to user \"" + requester + "\"");
    }

    static Result.Rejected unknownSession(long id) {
        return new Result.Rejected(Result.Reason.UNKNOWN_SESSION, "session " + id + " does not exist or has expired");
    }

    private void advanceClock(long leaderTime) {
        // Leaders' clocks may disagree after a change of leader: the log clock never goes backwards.
        logClock = Math.max(logClock, leaderTime);
    }

    // ------------------------------------------------------------------ kv

    KeyValue get(Bytes key) throws RocksDBException {
        byte[] v = batch.getFromBatchAndDB(db.rocks(), db.cf(Db.Cf.KV), db.readOptions, Keys.kvKey(key));
        return v == null ? null : KvRecord.decodeKv(key, v, db.dataDir.toString());
    }

    /** The key's version and create index as of this point of the batch, from memory when known. */
    private KeyVersions.Meta meta(Bytes key) throws RocksDBException {
        KeyVersions.Meta m = written.get(key);
        if (m == null) {
            m = versions.get(key);
        }
        if (m == null) {
            KeyValue kv = get(key);
            m = kv == null ? KeyVersions.ABSENT : new KeyVersions.Meta(kv.version(), kv.createIndex());
        }
        return m;
    }

    private Result.Written put(Bytes key, Bytes value, long index) throws RocksDBException {
        KeyVersions.Meta old = meta(key);
        long version = old.version() + 1;
        long create = old.version() == 0 ? index : old.createIndex();
        batch.put(db.cf(Db.Cf.KV), Keys.kvKey(key), KvRecord.encodeKv(version, create, index, value));
        written.put(key, new KeyVersions.Meta(version, create));
        return new Result.Written(index, version);
    }

    private boolean delete(Bytes key) throws RocksDBException {
        if (meta(key).version() == 0) {
            return false;
        }
        batch.delete(db.cf(Db.Cf.KV), Keys.kvKey(key));
        written.put(key, KeyVersions.ABSENT);
        return true;
    }

    private long deleteRange(KeyRange range) throws RocksDBException {
        // Deleted key by key (WriteBatchWithIndex has no range tombstones) so that the count is exact and
        // later reads in this batch see the deletions.
        List<KeyValue> victims = scan(range, Integer.MAX_VALUE).kvs();
        for (KeyValue kv : victims) {
            batch.delete(db.cf(Db.Cf.KV), Keys.kvKey(kv.key()));
            written.put(kv.key(), KeyVersions.ABSENT);
        }
        return victims.size();
    }

    Result.RangeResult scan(KeyRange range, int limit) throws RocksDBException {
        try (RocksIterator base = db.rocks().newIterator(db.cf(Db.Cf.KV), db.readOptions);
             RocksIterator it = batch.newIteratorWithBase(db.cf(Db.Cf.KV), base)) {
            return KvStateMachine.collect(it, range, limit, db.dataDir.toString());
        }
    }

    private Result txn(Command.Txn t, long index) throws RocksDBException {
        boolean ok = true;
        for (Compare c : t.compares()) {
            if (!holds(c)) {
                ok = false;
                break;
            }
        }
        List<Result> results = new ArrayList<>();
        for (Command.Op op : ok ? t.success() : t.failure()) {
            if (op instanceof Command.Range r) {
                results.add(scan(r.range(), r.limit()));
            } else {
                results.add(execute((Command) op, index));
            }
        }
        return new Result.TxnResult(ok, results);
    }

    private boolean holds(Compare c) throws RocksDBException {
        KeyValue kv = get(c.key());
        int order;
        if (c instanceof Compare.Value v) {
            if (kv == null) {
                return false;
            }
            order = Integer.signum(Arrays.compareUnsigned(kv.value().array(), v.value().array()));
        } else if (c instanceof Compare.Version v) {
            order = Long.compare(kv == null ? 0 : kv.version(), v.version());
        } else if (c instanceof Compare.ModIndex m) {
            order = Long.compare(kv == null ? 0 : kv.modIndex(), m.modIndex());
        } else {
            order = Long.compare(kv == null ? 0 : kv.createIndex(), ((Compare.CreateIndex) c).createIndex());
        }
        return switch (c.cmp()) {
            case EQUAL -> order == 0;
            case NOT_EQUAL -> order != 0;
            case LESS -> order < 0;
            case GREATER -> order > 0;
        };
    }

    // ------------------------------------------------------------------ sessions

    KvRecord.Session session(long id) throws RocksDBException {
        byte[] v = batch.getFromBatchAndDB(db.rocks(), db.cf(Db.Cf.SESSIONS), db.readOptions, Keys.sessionKey(id));
        return v == null ? null : KvRecord.decodeSession(id, v, db.dataDir.toString());
    }

    void putSession(KvRecord.Session s) throws RocksDBException {
        batch.put(db.cf(Db.Cf.SESSIONS), Keys.sessionKey(s.id()), KvRecord.encodeSession(s));
    }

    private List<Long> expireSessions() throws RocksDBException {
        List<Long> expired = new ArrayList<>();
        try (RocksIterator base = db.rocks().newIterator(db.cf(Db.Cf.SESSIONS), db.readOptions);
             RocksIterator it = batch.newIteratorWithBase(db.cf(Db.Cf.SESSIONS), base)) {
            for (it.seek(Keys.STATE_BEGIN); it.isValid(); it.next()) {
                long id = Keys.sessionId(it.key());
                KvRecord.Session s = KvRecord.decodeSession(id, it.value(), db.dataDir.toString());
                if (logClock - s.lastActiveMillis() > s.ttlMillis()) {
                    expired.add(id);
                }
            }
            it.status();
        }
        for (long id : expired) {
            batch.delete(db.cf(Db.Cf.SESSIONS), Keys.sessionKey(id));
        }
        return expired;
    }
}
