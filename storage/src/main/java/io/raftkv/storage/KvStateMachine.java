package io.raftkv.storage;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/**
 * The replicated key-value state machine: keys with versions, sessions for exactly-once writes, and the
 * applied index/configuration, all in the state column families.
 *
 * <p>{@link #apply} is called by one thread (the apply thread) with committed entries in order; a whole
 * call is one {@code WriteBatch} that also records the applied index (and the configuration after a
 * membership change), so after any crash the state is exactly "everything up to the applied index".
 * It is not synced: the synced Raft log is the write-ahead log, and anything lost is re-applied from it
 * (see README "Why state-machine writes are not synced"). Reads ({@link #get}, {@link #range}) may come
 * from any thread and see whole batches only.
 */
public final class KvStateMachine {
    /** What the state machine has applied; replaced as a whole after each committed batch. */
    public record AppliedState(long index, long term, ConfState confState, long logClockMillis) {
    }

    /** A session as the server may inspect it (for metrics and tests). */
    public record SessionInfo(long id, long lastSequence, long ttlMillis, long lastActiveMillis) {
    }

    private final Db db;
    private final Object applyLock = new Object();
    /**
     * Client reads take the read side for the length of one read; a snapshot install takes the write side
     * only to switch reads onto a frozen view of the old state and back. Between "clear the state" and
     * "ingest the image" the database holds a state that never existed; reads must not see it.
     */
    private final ReentrantReadWriteLock readGate = new ReentrantReadWriteLock();
    private ReadOptions frozenReads;
    private Snapshot frozenState;
    private volatile AppliedState applied;
    private final Alarms alarms;
    private final RecordedIncarnations incarnations;
    private final HashPoints hashPoints;
    /** The auth store; replaced as a whole after each batch that changed it (request paths read it lock-free). */
    private volatile AuthState auth;
    /** Versions of recently written keys: a put reads its key's old record only on a miss. */
    private final KeyVersions versions;

    KvStateMachine(Db db) {
        this(db, KeyVersions.DEFAULT_CAPACITY_BYTES);
    }

    KvStateMachine(Db db, long versionCacheBytes) {
        this.db = db;
        this.versions = new KeyVersions(versionCacheBytes);
        this.applied = load();
        this.auth = loadAuth();
        this.alarms = new Alarms(db);
        this.incarnations = new RecordedIncarnations(db);
        this.hashPoints = new HashPoints(db);
    }

    /** Releases what the state machine pins in RocksDB (before the store closes). */
    void close() {
        hashPoints.close();
    }

    private AppliedState load() {
        try {
            byte[] a = db.rocks().get(db.cf(Db.Cf.STATE_META), db.readOptions, Keys.APPLIED);
            byte[] c = db.rocks().get(db.cf(Db.Cf.STATE_META), db.readOptions, Keys.CONF_STATE);
            byte[] t = db.rocks().get(db.cf(Db.Cf.STATE_META), db.readOptions, Keys.LOG_CLOCK);
            String dir = db.dataDir.toString();
            StateCodec.IndexTerm it = a == null ? StateCodec.IndexTerm.ZERO : StateCodec.indexTerm(a, new StateCodec.Where(dir, "applied index"));
            ConfState conf = c == null ? ConfState.EMPTY : StateCodec.confState(c, new StateCodec.Where(dir, "applied configuration"));
            long clock = t == null ? 0 : StateCodec.longValue(t, new StateCodec.Where(dir, "log clock"));
            return new AppliedState(it.index(), it.term(), conf, clock);
        } catch (RocksDBException e) {
            throw db.readError("state machine metadata", e);
        }
    }

    private AuthState loadAuth() {
        try {
            byte[] b = db.rocks().get(db.cf(Db.Cf.STATE_META), db.readOptions, Keys.AUTH);
            return b == null ? AuthState.EMPTY : AuthCodec.decodeState(b, db.dataDir.toString());
        } catch (RocksDBException e) {
            throw db.readError("auth store", e);
        }
    }

    /** The replicated auth store as of the applied index (one volatile read). */
    public AuthState auth() {
        return auth;
    }

    /** Re-reads the applied state after the state column families were replaced by a snapshot. */
    void reload() {
        versions.clear();
        applied = load();
        auth = loadAuth();
        alarms.reload();
        incarnations.reload();
    }

    Object lock() {
        return applyLock;
    }

    public AppliedState applied() {
        return applied;
    }

    public long appliedIndex() {
        return applied.index();
    }

    /**
     * Applies committed entries in order, skipping any at or below the applied index (a restart may hand
     * them out again: nothing is applied twice). For every {@link EntryType#CONF_CHANGE} entry,
     * {@code confStates} must hold the configuration {@code RawNode.applyConfChange} returned for it; the
     * last one is stored with the applied index.
     *
     * @return one {@link Applied} per entry actually applied, in order
     * @throws IllegalStateException on a gap after the applied index or an unknown command format
     * @throws StorageFailedException if the batch could not be written (nothing of it was applied)
     */
    public List<Applied> apply(List<Entry> entries, Map<Long, ConfState> confStates) {
        synchronized (applyLock) {
            db.checkWritable();
            List<Applied> out = new ArrayList<>(entries.size());
            int next = 0;
            while (next < entries.size()) {
                next = applyBatch(entries, next, confStates, out);
            }
            return out;
        }
    }

    /**
     * Applies entries from {@code from} as one batch, up to the end or through the first entry that marks a
     * hash point (the state hashed for the corruption check must be exactly the state after that entry, on
     * every replica, so its batch ends there). Returns where the next batch starts.
     */
    private int applyBatch(List<Entry> entries, int from, Map<Long, ConfState> confStates, List<Applied> out) {
        AppliedState st = applied;
        long index = st.index();
        long term = st.term();
        ConfState conf = st.confState();
        boolean confChanged = false;
        boolean hashPoint = false;
        int i = from;
        try (Applier a = new Applier(db, st.logClockMillis(), auth, versions)) {
            for (; i < entries.size() && !hashPoint; i++) {
                Entry e = entries.get(i);
                if (e.index() <= index) {
                    continue;
                }
                if (e.index() != index + 1) {
                    throw new IllegalStateException("apply gap: applied " + index + ", next entry " + e.index());
                }
                Applied result;
                if (e.type() == EntryType.CONF_CHANGE) {
                    ConfState cs = confStates.get(e.index());
                    if (cs == null) {
                        throw new IllegalArgumentException("no configuration given for conf change entry " + e.index()
                                + " (pass what RawNode.applyConfChange returned)");
                    }
                    recordMembers(a, ConfChange.decode(e.data()), conf, cs);
                    conf = cs;
                    confChanged = true;
                    result = new Applied(e.index(), e.term(), null, new Result.ConfChanged(cs));
                } else if (e.data().length == 0) {
                    result = new Applied(e.index(), e.term(), null, new Result.NoOp());
                } else {
                    result = applyRequest(a, e);
                }
                out.add(result);
                hashPoint = result.result() instanceof Result.HashPoint;
                index = e.index();
                term = e.term();
            }
            if (index == st.index()) {
                return i;
            }
            a.batch.put(db.cf(Db.Cf.STATE_META), Keys.APPLIED, StateCodec.indexTerm(new StateCodec.IndexTerm(index, term)));
            if (a.logClock != st.logClockMillis()) {
                a.batch.put(db.cf(Db.Cf.STATE_META), Keys.LOG_CLOCK, StateCodec.longValue(a.logClock));
            }
            if (confChanged) {
                a.batch.put(db.cf(Db.Cf.STATE_META), Keys.CONF_STATE, StateCodec.confState(conf));
            }
            db.write(a.batch, false, "apply through index " + index);
            a.committed();
            applied = new AppliedState(index, term, conf, a.logClock);
            if (a.authChanged) {
                auth = a.auth;
            }
            if (a.metaChanged || confChanged) {
                alarms.reload();
                incarnations.reload();
            }
            if (hashPoint) {
                hashPoints.mark(index);
            }
            return i;
        } catch (RocksDBException e) {
            throw db.readError("state during apply", e);
        }
    }

    /** The incarnation the replicated state records for {@code member}, or 0 (a cheap in-memory read). */
    public long recordedIncarnation(long member) {
        return incarnations.of(member);
    }

    /** The alarms raised in the replicated state (a cheap in-memory read). */
    public List<Alarm> alarms() {
        return alarms.active();
    }

    /**
     * The SHA-256 of the state right after the hash point at {@code index} (see {@link Command.HashState}),
     * computed now (reads every key: call off the apply thread); empty if this node has no such point.
     * Each point is hashed once.
     */
    public Optional<byte[]> stateHash(long index) {
        return hashPoints.hash(index);
    }

    private Applied applyRequest(Applier a, Entry e) throws RocksDBException {
        Request req;
        try {
            req = CommandCodec.decode(e.data());
        } catch (MalformedCommandException m) {
            return new Applied(e.index(), e.term(), null, new Result.Rejected(Result.Reason.MALFORMED_COMMAND,
                    "entry " + e.index() + ": " + m.getMessage()));
        }
        if (req.authChecked() && a.auth.enabled() && req.authRevision() < a.auth.revision()) {
            // Checked against permissions that have changed since: refused before the session sees it, so
            // the retry (after re-authenticating) may use the same sequence number.
            return new Applied(e.index(), e.term(), req, new Result.Rejected(Result.Reason.AUTH_STALE,
                    "authorized at auth revision " + req.authRevision() + " but the auth store is at revision "
                            + a.auth.revision() + " (users or roles changed): re-authenticate and retry"));
        }
        a.requester = req.user();
        if (req.sessionId() == 0) {
            return new Applied(e.index(), e.term(), req, a.execute(req.command(), e.index()));
        }
        KvRecord.Session s = a.session(req.sessionId());
        if (s == null) {
            return new Applied(e.index(), e.term(), req, Applier.unknownSession(req.sessionId()));
        }
        Result.Rejected notOwner = a.notOwner(s);
        if (notOwner != null) {
            // Before the sequence check: another user's request must neither run nor read the owner's last result.
            return new Applied(e.index(), e.term(), req, notOwner);
        }
        if (req.sequence() <= s.lastSequence()) {
            Result r = req.sequence() == s.lastSequence() && s.lastResult() != null ? s.lastResult()
                    : new Result.Rejected(Result.Reason.STALE_SEQUENCE, "sequence " + req.sequence() + " of session "
                    + s.id() + " is older than its last one " + s.lastSequence());
            return new Applied(e.index(), e.term(), req, r);
        }
        Result r = a.execute(req.command(), e.index());
        // Session commands inside a session (e.g. a keep-alive) may have changed the session row: re-read it.
        KvRecord.Session now = a.session(req.sessionId());
        if (now != null) {
            a.putSession(now.next(req.sequence(), a.logClock, r));
        }
        return new Applied(e.index(), e.term(), req, r);
    }

    /**
     * Keeps the member records of a change ({@link MemberRecord#of}) in the batch that applies it, so
     * records, configuration and applied index never disagree, and snapshots carry them.
     */
    private void recordMembers(Applier a, ConfChange cc, ConfState before, ConfState after) throws RocksDBException {
        for (MemberRecord r : MemberRecord.of(cc, before, after)) {
            a.batch.put(db.cf(Db.Cf.STATE_META), Keys.memberKey(r.id()), r.encode());
            if (r.removed()) {
                Alarms.clearMember(db, a.batch, r.id());
            }
        }
    }

    // ------------------------------------------------------------------ reads (any thread)

    /** Every member record (members added at runtime, and tombstones of removed ids), by id. */
    public List<MemberRecord> members() {
        List<MemberRecord> out = new ArrayList<>();
        String where = db.dataDir.toString();
        try (RocksIterator it = db.rocks().newIterator(db.cf(Db.Cf.STATE_META), db.readOptions)) {
            for (it.seek(Keys.MEMBER_PREFIX); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (k.length != Keys.MEMBER_PREFIX.length + 8
                        || !java.util.Arrays.equals(k, 0, Keys.MEMBER_PREFIX.length, Keys.MEMBER_PREFIX, 0, Keys.MEMBER_PREFIX.length)) {
                    break;
                }
                long id = Wire.getLongBE(k, Keys.MEMBER_PREFIX.length);
                out.add(MemberRecord.decode(id, it.value(), where));
            }
            it.status();
        } catch (RocksDBException e) {
            throw db.readError("member records", e);
        }
        return out;
    }

    public Optional<KeyValue> get(Bytes key) {
        readGate.readLock().lock();
        try {
            byte[] v = db.rocks().get(db.cf(Db.Cf.KV), reads(), Keys.kvKey(key));
            return v == null ? Optional.empty() : Optional.of(KvRecord.decodeKv(key, v, db.dataDir.toString()));
        } catch (RocksDBException e) {
            throw db.readError("key " + key, e);
        } finally {
            readGate.readLock().unlock();
        }
    }

    /** The options client reads use now: the frozen old state while a snapshot install runs. Under readGate. */
    private ReadOptions reads() {
        return frozenReads != null ? frozenReads : db.readOptions;
    }

    /** Snapshot install: from now on client reads see the state as it is at this moment. */
    void freezeReads() {
        readGate.writeLock().lock();
        try {
            if (frozenReads == null) {
                frozenState = db.rocks().getSnapshot();
                frozenReads = new ReadOptions().setSnapshot(frozenState);
            }
        } finally {
            readGate.writeLock().unlock();
        }
    }

    /** Snapshot install finished (or failed): reads see the database again. Waits for reads in progress. */
    void thawReads() {
        readGate.writeLock().lock();
        try {
            if (frozenReads != null) {
                frozenReads.close();
                db.rocks().releaseSnapshot(frozenState);
                frozenReads = null;
                frozenState = null;
            }
        } finally {
            readGate.writeLock().unlock();
        }
    }

    /**
     * Up to {@code limit} keys of {@code range} in key order; {@code more} tells whether the range holds
     * further keys (continue with {@code range.after(lastKey)}).
     */
    public Result.RangeResult range(KeyRange range, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        readGate.readLock().lock();
        try (RocksIterator it = db.rocks().newIterator(db.cf(Db.Cf.KV), reads())) {
            return collect(it, range, limit, db.dataDir.toString());
        } catch (RocksDBException e) {
            throw db.readError("range " + range, e);
        } finally {
            readGate.readLock().unlock();
        }
    }

    static Result.RangeResult collect(RocksIterator it, KeyRange range, int limit, String dataDir) throws RocksDBException {
        List<KeyValue> kvs = new ArrayList<>(Math.min(limit, 1024));
        boolean more = false;
        for (it.seek(Keys.kvKey(range.from())); it.isValid(); it.next()) {
            byte[] k = it.key();
            if (k.length == 0 || k[0] != Keys.STATE_PREFIX) {
                break;
            }
            Bytes key = Keys.userKey(k);
            if (range.to() != null && key.compareTo(range.to()) >= 0) {
                break;
            }
            if (kvs.size() == limit) {
                more = true;
                break;
            }
            kvs.add(KvRecord.decodeKv(key, it.value(), dataDir));
        }
        it.status();
        return new Result.RangeResult(kvs, more);
    }

    /** Whether any client session exists (the leader proposes session expiry only then). */
    public boolean hasSessions() {
        readGate.readLock().lock();
        try (RocksIterator it = db.rocks().newIterator(db.cf(Db.Cf.SESSIONS), reads())) {
            it.seekToFirst();
            return it.isValid();
        } finally {
            readGate.readLock().unlock();
        }
    }

    public Optional<SessionInfo> session(long id) {
        readGate.readLock().lock();
        try {
            byte[] v = db.rocks().get(db.cf(Db.Cf.SESSIONS), reads(), Keys.sessionKey(id));
            if (v == null) {
                return Optional.empty();
            }
            KvRecord.Session s = KvRecord.decodeSession(id, v, db.dataDir.toString());
            return Optional.of(new SessionInfo(s.id(), s.lastSequence(), s.ttlMillis(), s.lastActiveMillis()));
        } catch (RocksDBException e) {
            throw db.readError("session " + id, e);
        } finally {
            readGate.readLock().unlock();
        }
    }
}
