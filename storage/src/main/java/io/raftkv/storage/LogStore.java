package io.raftkv.storage;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.LogCompactedException;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.raft.Storage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The Raft log, hard state and snapshot metadata on RocksDB: the {@link Storage} the core reads, plus the
 * writer the persist thread uses.
 *
 * <p>Threading: writes ({@link #write}, {@link #compact}, {@link #recordSnapshot}) are serialized by a
 * lock and normally come from the persist thread. Reads may come from any thread at the same time: the
 * bounds (first/last index, compaction point, hard state, snapshot) live in one immutable {@link View}
 * published through a volatile field only after its batch committed, and each read works against one
 * view plus one RocksDB read (an iterator pins a consistent point in time).
 */
public final class LogStore implements Storage {
    private static final int BYTES_PER_ENTRY_OVERHEAD = io.raftkv.raft.Entry.OVERHEAD_BYTES;
    /**
     * The newest entries kept as written (see {@link EntryCache}): a few thousand, a fraction of a second of
     * writes at full speed, which is as far as followers that keep up and the apply stage lag. Not more: every
     * entry the cache still holds at a young collection is promoted to the old generation, and at 16 MiB
     * (seconds of writes) those promotions forced a full collection every 7-10 s under put@64, 60-170 ms
     * pauses that were the p99.9 latency, and ~55 MiB more RSS per node. Members further behind read
     * RocksDB, under the flow control that bounds those copies.
     */
    static final long ENTRY_CACHE_BYTES = 1L << 20;

    /** Everything the readers need to check bounds, replaced as a whole after each committed batch. */
    record View(long compactIndex, long compactTerm, long lastIndex, long lastTerm, HardState hardState,
                SnapshotMetadata snapshot) {
        long firstIndex() {
            return compactIndex + 1;
        }
    }

    /** The configuration the state machine has applied, and at which index. */
    record AppliedConf(long index, ConfState conf) {
    }

    private final Db db;
    private final Supplier<AppliedConf> appliedConf;
    private final Object writeLock = new Object();
    private final EntryCache cache = new EntryCache(ENTRY_CACHE_BYTES);
    private volatile View view;
    /**
     * Odd while a log batch is being written and its view published (a seqlock). A reader that misses an
     * entry its view promised calls it corruption only if this did not move during the read; otherwise
     * the log changed under it (truncated, compacted, perhaps regrown) and it retries on the new view.
     */
    private final AtomicLong writes = new AtomicLong();
    private static final int MAX_READ_ATTEMPTS = 1_000;

    LogStore(Db db, Supplier<AppliedConf> appliedConf, boolean verifyOnOpen) {
        this.db = db;
        this.appliedConf = appliedConf;
        this.view = load(verifyOnOpen);
    }

    private StateCodec.Where where(String what) {
        return new StateCodec.Where(db.dataDir.toString(), what);
    }

    private byte[] getState(byte[] key) {
        try {
            return db.rocks().get(db.cf(Db.Cf.RAFT_STATE), db.readOptions, key);
        } catch (RocksDBException e) {
            throw db.readError("raft state", e);
        }
    }

    private View load(boolean verify) {
        byte[] cp = getState(Keys.COMPACTION_POINT);
        StateCodec.IndexTerm compaction = cp == null ? StateCodec.IndexTerm.ZERO : StateCodec.indexTerm(cp, where("log compaction point"));
        byte[] hsb = getState(Keys.HARD_STATE);
        HardState hs = hsb == null ? HardState.EMPTY : StateCodec.hardState(hsb, where("hard state"));
        byte[] sm = getState(Keys.SNAPSHOT_META);
        SnapshotMetadata snap = sm == null ? SnapshotMetadata.EMPTY : StateCodec.snapshotMeta(sm, where("snapshot metadata"));

        long last = compaction.index();
        long lastTerm = compaction.term();
        try (RocksIterator it = db.rocks().newIterator(db.cf(Db.Cf.RAFT_LOG), db.readOptions)) {
            if (verify) {
                it.seekToFirst();
                for (; it.isValid(); it.next()) {
                    long index = Keys.logIndex(it.key());
                    if (index <= compaction.index()) {
                        throw corrupt(index, "entry at or below the compaction point " + compaction.index() + " survived compaction");
                    }
                    if (index != last + 1) {
                        throw corrupt(last + 1, "missing (the log jumps from " + last + " to " + index + ")");
                    }
                    Entry e = decode(index, it.value());
                    if (e.term() < lastTerm) {
                        throw corrupt(index, "term " + e.term() + " is lower than the previous term " + lastTerm);
                    }
                    last = index;
                    lastTerm = e.term();
                }
            } else {
                it.seekToLast();
                if (it.isValid()) {
                    last = Keys.logIndex(it.key());
                    lastTerm = decode(last, it.value()).term();
                }
            }
            it.status();
        } catch (RocksDBException e) {
            throw db.readError("raft log", e);
        }
        return new View(compaction.index(), compaction.term(), last, lastTerm, hs, snap);
    }

    private CorruptionException corrupt(long index, String problem) {
        CorruptionException e = new CorruptionException("Raft log entry " + index + " in data directory " + db.dataDir
                + " (RocksDB column family raft_log) is corrupt: " + problem + "; refusing to serve it");
        db.poison(e);
        return e;
    }

    private Entry decode(long index, byte[] value) {
        String[] problem = new String[1];
        Entry e = EntryCodec.decode(index, value, problem);
        if (e == null) {
            throw corrupt(index, problem[0]);
        }
        return e;
    }

    View view() {
        return view;
    }

    /** Re-reads bounds and metadata after another component wrote raft state directly (bootstrap). */
    void reload() {
        synchronized (writeLock) {
            view = load(false);
        }
    }

    // ---------------------------------------------------------------- Storage (any thread)

    @Override
    public InitialState initialState() {
        View v = view;
        AppliedConf applied = appliedConf.get();
        // The newest configuration wins: the one applied with the state machine, unless a snapshot newer
        // than it was recorded (then the state machine will be at least that snapshot once installed).
        ConfState conf = v.snapshot().index() > applied.index() ? v.snapshot().confState() : applied.conf();
        return new InitialState(v.hardState(), conf);
    }

    /** The persisted hard state. */
    public HardState hardState() {
        return view.hardState();
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        for (int attempt = 0; ; attempt++) {
            long before = writes.get();
            View v = view;
            if (lo < v.firstIndex()) {
                throw new LogCompactedException(lo, v.firstIndex());
            }
            if (hi > v.lastIndex() + 1) {
                throw new IllegalArgumentException("entries(" + lo + ", " + hi + ") beyond last index " + v.lastIndex());
            }
            if (lo >= hi) {
                return List.of();
            }
            List<Entry> cached = cache.get(lo, hi, maxBytes);
            if (cached != null) {
                return cached;
            }
            long[] miss = new long[1];
            List<Entry> out = read(lo, hi, maxBytes, miss);
            if (out != null) {
                return out;
            }
            raced(before, miss[0], attempt);
        }
    }

    /** Reads entries, or returns null with {@code miss[0]} set to the first index the database lacks. */
    private List<Entry> read(long lo, long hi, long maxBytes, long[] miss) {
        List<Entry> out = new ArrayList<>((int) Math.min(hi - lo, 256));
        long size = 0;
        try (RocksIterator it = db.rocks().newIterator(db.cf(Db.Cf.RAFT_LOG), db.readOptions)) {
            it.seek(Keys.logKey(lo));
            for (long i = lo; i < hi; i++, it.next()) {
                if (!it.isValid() || Keys.logIndex(it.key()) != i) {
                    it.status();
                    miss[0] = i;
                    return null;
                }
                byte[] value = it.value();
                size += EntryCodec.payloadSize(value) + BYTES_PER_ENTRY_OVERHEAD;
                if (!out.isEmpty() && size > maxBytes) {
                    break;
                }
                out.add(decode(i, value));
            }
            it.status();
        } catch (RocksDBException e) {
            throw db.readError("raft log entries [" + lo + ", " + hi + ")", e);
        }
        return out;
    }

    /**
     * An entry the view promised was absent. If no log write started or finished meanwhile, the data is
     * gone: corruption. Otherwise the caller retries against the newer view.
     */
    private void raced(long before, long index, int attempt) {
        if ((before & 1) == 0 && writes.get() == before) {
            throw corrupt(index, "missing although the log spans [" + view.firstIndex() + ", " + view.lastIndex() + "]");
        }
        if (attempt >= MAX_READ_ATTEMPTS) {
            throw new StorageException("could not read a stable view of the raft log in " + db.dataDir + " after "
                    + attempt + " attempts");
        }
        Thread.onSpinWait();
    }

    @Override
    public long term(long index) {
        for (int attempt = 0; ; attempt++) {
            long before = writes.get();
            View v = view;
            if (index < v.compactIndex()) {
                throw new LogCompactedException(index, v.firstIndex());
            }
            if (index > v.lastIndex()) {
                throw new IllegalArgumentException("term(" + index + ") beyond last index " + v.lastIndex());
            }
            if (index == v.compactIndex()) {
                return v.compactTerm();
            }
            if (index == v.lastIndex()) {
                return v.lastTerm();
            }
            long cachedTerm = cache.term(index);
            if (cachedTerm >= 0) {
                return cachedTerm;
            }
            byte[] header = new byte[EntryCodec.TERM_HEADER_BYTES];
            int n;
            try {
                // Copies only the header: a term lookup never pays for the payload.
                n = db.rocks().get(db.cf(Db.Cf.RAFT_LOG), db.readOptions, Keys.logKey(index), header);
            } catch (RocksDBException e) {
                throw db.readError("term of raft log entry " + index, e);
            }
            if (n == RocksDB.NOT_FOUND) {
                raced(before, index, attempt);
                continue;
            }
            String[] problem = new String[1];
            long term = EntryCodec.term(index, header, Math.min(n, header.length), problem);
            if (term < 0) {
                throw corrupt(index, problem[0]);
            }
            return term;
        }
    }

    @Override
    public long firstIndex() {
        return view.firstIndex();
    }

    @Override
    public long lastIndex() {
        return view.lastIndex();
    }

    /** The metadata of the newest snapshot image; its data travels out of band (see {@link SnapshotSource}). */
    @Override
    public Snapshot snapshot() {
        return new Snapshot(view.snapshot(), null);
    }

    // ---------------------------------------------------------------- writes (persist thread)

    /** Persists one {@link LogWrite} as a single batch; see {@link LogWrite} for the order of its parts. */
    public void write(LogWrite w) {
        writeWith(w, b -> { }, "log write");
    }

    /** Like {@link #write}, adding {@code extra} operations to the same atomic batch. */
    void writeWith(LogWrite w, Consumer<WriteBatch> extra, String what) {
        synchronized (writeLock) {
            db.checkWritable();
            try (WriteBatch b = new WriteBatch()) {
                View next = stage(b, w, view);
                extra.accept(b);
                writes.incrementAndGet();
                try {
                    db.write(b, w.sync(), what);
                    remember(w, next);
                    view = next;
                } finally {
                    writes.incrementAndGet();
                }
            } catch (RocksDBException e) {
                throw new StorageException("cannot build log batch in " + db.dataDir, e);
            }
        }
    }

    /** Keeps what was just written in the cache (before the view that promises it is published). */
    private void remember(LogWrite w, View next) {
        if (w.resetTo().isPresent() && next.snapshot() == w.resetTo().get()) {
            cache.clear();
        }
        List<Entry> ents = w.entries();
        if (ents.isEmpty()) {
            return;
        }
        int skip = (int) Math.max(0, next.compactIndex() + 1 - ents.get(0).index());
        if (skip < ents.size()) {
            cache.append(skip == 0 ? ents : ents.subList(skip, ents.size()));
        }
    }

    /** Forgets the cached entries, as a restart would (tests that damage what is on disk). */
    void clearCache() {
        cache.clear();
    }

    /** Bytes the entry cache holds (tests, metrics). */
    long cachedBytes() {
        return cache.bytes();
    }

    private View stage(WriteBatch b, LogWrite w, View v) throws RocksDBException {
        if (w.resetTo().isPresent()) {
            SnapshotMetadata m = w.resetTo().get();
            // Like MemoryStorage: a snapshot no newer than the current one is stale and ignored.
            if (!(m.index() <= v.snapshot().index() && v.snapshot().index() != 0)) {
                b.deleteRange(db.cf(Db.Cf.RAFT_LOG), Keys.LOG_BEGIN, Keys.LOG_END);
                b.put(db.cf(Db.Cf.RAFT_STATE), Keys.COMPACTION_POINT, StateCodec.indexTerm(new StateCodec.IndexTerm(m.index(), m.term())));
                b.put(db.cf(Db.Cf.RAFT_STATE), Keys.SNAPSHOT_META, StateCodec.snapshotMeta(m));
                v = new View(m.index(), m.term(), m.index(), m.term(), v.hardState(), m);
            }
        }
        List<Entry> ents = w.entries();
        if (!ents.isEmpty()) {
            for (int i = 1; i < ents.size(); i++) {
                Entry prev = ents.get(i - 1);
                Entry e = ents.get(i);
                if (e.index() != prev.index() + 1 || e.term() < prev.term()) {
                    throw new IllegalArgumentException("entries to append are not contiguous with non-decreasing terms: "
                            + prev + " then " + e);
                }
            }
            Entry lastNew = ents.get(ents.size() - 1);
            if (lastNew.index() > v.compactIndex()) {
                int skip = (int) Math.max(0, v.compactIndex() + 1 - ents.get(0).index());
                long from = ents.get(skip).index();
                if (from > v.lastIndex() + 1) {
                    throw new IllegalStateException("missing log entry: last " + v.lastIndex() + ", appending at " + from);
                }
                if (from <= v.lastIndex()) {
                    // A new leader overwrote our uncommitted suffix: drop it in the same batch.
                    b.deleteRange(db.cf(Db.Cf.RAFT_LOG), Keys.logKey(from), Keys.logKey(v.lastIndex() + 1));
                }
                for (int i = skip; i < ents.size(); i++) {
                    Entry e = ents.get(i);
                    b.put(db.cf(Db.Cf.RAFT_LOG), Keys.logKey(e.index()), EntryCodec.encode(e));
                }
                v = new View(v.compactIndex(), v.compactTerm(), lastNew.index(), lastNew.term(), v.hardState(), v.snapshot());
            }
        }
        if (w.hardState().isPresent()) {
            HardState hs = w.hardState().get();
            b.put(db.cf(Db.Cf.RAFT_STATE), Keys.HARD_STATE, StateCodec.hardState(hs));
            v = new View(v.compactIndex(), v.compactTerm(), v.lastIndex(), v.lastTerm(), hs, v.snapshot());
        }
        return v;
    }

    /**
     * Discards entries up to and including {@code compactIndex}, keeping its term as the compaction point.
     * Only entries covered by the newest snapshot may go: a follower that needs them gets that snapshot.
     * Not synced: if the deletion is lost, the entries simply come back.
     */
    public void compact(long compactIndex) {
        synchronized (writeLock) {
            View v = view;
            if (compactIndex <= v.compactIndex()) {
                return;
            }
            if (compactIndex > v.lastIndex()) {
                throw new IllegalStateException("compact " + compactIndex + " beyond last index " + v.lastIndex());
            }
            if (compactIndex > v.snapshot().index()) {
                throw new IllegalStateException("compact " + compactIndex + " beyond the newest snapshot " + v.snapshot().index()
                        + ": a follower needing those entries could not be caught up");
            }
            long term = term(compactIndex);
            db.checkWritable();
            try (WriteBatch b = new WriteBatch()) {
                b.deleteRange(db.cf(Db.Cf.RAFT_LOG), Keys.LOG_BEGIN, Keys.logKey(compactIndex + 1));
                b.put(db.cf(Db.Cf.RAFT_STATE), Keys.COMPACTION_POINT, StateCodec.indexTerm(new StateCodec.IndexTerm(compactIndex, term)));
                writes.incrementAndGet();
                try {
                    db.write(b, false, "log compaction to " + compactIndex);
                    cache.compactTo(compactIndex);
                    view = new View(compactIndex, term, v.lastIndex(), v.lastTerm(), v.hardState(), v.snapshot());
                } finally {
                    writes.incrementAndGet();
                }
            } catch (RocksDBException e) {
                throw new StorageException("cannot build compaction batch in " + db.dataDir, e);
            }
        }
    }

    /**
     * Records that a snapshot image exists at {@code meta} (newer than the current one, at a stored index
     * with the matching term), making it what {@link #snapshot()} offers and allowing compaction up to it.
     */
    public void recordSnapshot(SnapshotMetadata meta) {
        synchronized (writeLock) {
            View v = view;
            if (meta.index() <= v.snapshot().index()) {
                throw new IllegalStateException("snapshot at " + meta.index() + " is not newer than " + v.snapshot().index());
            }
            if (meta.index() > v.lastIndex()) {
                throw new IllegalStateException("snapshot index " + meta.index() + " beyond last index " + v.lastIndex());
            }
            long term = term(meta.index());
            if (term != meta.term()) {
                throw new IllegalStateException("snapshot " + meta.index() + "/" + meta.term() + " disagrees with the log term " + term);
            }
            db.checkWritable();
            try (WriteBatch b = new WriteBatch()) {
                b.put(db.cf(Db.Cf.RAFT_STATE), Keys.SNAPSHOT_META, StateCodec.snapshotMeta(meta));
                db.write(b, false, "snapshot metadata " + meta.index());
                view = new View(v.compactIndex(), v.compactTerm(), v.lastIndex(), v.lastTerm(), v.hardState(), meta);
            } catch (RocksDBException e) {
                throw new StorageException("cannot build snapshot metadata batch in " + db.dataDir, e);
            }
        }
    }
}
