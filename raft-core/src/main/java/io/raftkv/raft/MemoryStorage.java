package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@link Storage} held in memory: the simulator's model of a disk (what survives a crash is exactly
 * what was written here) and the reference implementation for the storage contract tests.
 *
 * <p>Single-threaded, like the core: it takes no locks.
 */
public final class MemoryStorage implements Storage {
    private HardState hardState = HardState.EMPTY;
    private Snapshot snapshot = Snapshot.EMPTY;
    /** entries.get(0) is a dummy at the compaction point carrying its index and term. */
    private final ArrayList<Entry> entries = new ArrayList<>();

    public MemoryStorage() {
        entries.add(new Entry(0, 0, EntryType.NORMAL, null));
    }

    /**
     * The storage of a founding member of a new cluster: the initial configuration as a snapshot at
     * {@link #BOOTSTRAP_INDEX} (term 1) with an empty state. Every founding member bootstraps the same
     * snapshot, so their logs agree from the start; a node added later needs index 1, finds it compacted
     * on the leader and receives this configuration through InstallSnapshot.
     */
    public static MemoryStorage bootstrap(ConfState initial) {
        MemoryStorage s = new MemoryStorage();
        s.applySnapshot(bootstrapSnapshot(initial));
        s.hardState = bootstrapHardState();
        return s;
    }

    /** The index of the bootstrap snapshot; the first entry of a new cluster's log follows it. */
    public static final long BOOTSTRAP_INDEX = 1;

    /** The snapshot every founding member's storage starts from (shared by all Storage implementations). */
    public static Snapshot bootstrapSnapshot(ConfState initial) {
        if (initial.voters().isEmpty()) {
            throw new IllegalArgumentException("a new cluster needs at least one voter");
        }
        return new Snapshot(new SnapshotMetadata(BOOTSTRAP_INDEX, 1, initial), null);
    }

    public static HardState bootstrapHardState() {
        return new HardState(1, 0, BOOTSTRAP_INDEX);
    }

    @Override
    public InitialState initialState() {
        return new InitialState(hardState, snapshot.metadata().confState());
    }

    public HardState hardState() {
        return hardState;
    }

    public void setHardState(HardState hs) {
        hardState = Objects.requireNonNull(hs);
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        long offset = entries.get(0).index();
        if (lo <= offset) {
            throw new LogCompactedException(lo, offset + 1);
        }
        if (hi > lastIndex() + 1) {
            throw new IllegalArgumentException("entries(" + lo + ", " + hi + ") beyond last index " + lastIndex());
        }
        if (lo >= hi) {
            return List.of();
        }
        return limitSize(entries.subList((int) (lo - offset), (int) (hi - offset)), maxBytes);
    }

    @Override
    public long term(long index) {
        long offset = entries.get(0).index();
        if (index < offset) {
            throw new LogCompactedException(index, offset + 1);
        }
        if (index - offset >= entries.size()) {
            throw new IllegalArgumentException("term(" + index + ") beyond last index " + lastIndex());
        }
        return entries.get((int) (index - offset)).term();
    }

    @Override
    public long firstIndex() {
        return entries.get(0).index() + 1;
    }

    @Override
    public long lastIndex() {
        return entries.get(0).index() + entries.size() - 1;
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    /** Replaces the whole log with a snapshot received from the leader. Older snapshots are ignored. */
    public void applySnapshot(Snapshot snap) {
        if (snap.index() <= snapshot.index() && !snapshot.isEmpty()) {
            return;
        }
        snapshot = snap;
        entries.clear();
        entries.add(new Entry(snap.term(), snap.index(), EntryType.NORMAL, null));
    }

    /**
     * Records a snapshot of the application's state at {@code index} (which must be applied, hence
     * stored); compaction is a separate step so that slow followers can still be fed entries.
     */
    public Snapshot createSnapshot(long index, ConfState conf, byte[] data) {
        if (index <= snapshot.index()) {
            throw new IllegalStateException("snapshot at " + index + " is not newer than " + snapshot.index());
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("snapshot index " + index + " beyond last index " + lastIndex());
        }
        snapshot = new Snapshot(new SnapshotMetadata(index, term(index), conf), data);
        return snapshot;
    }

    /** Discards entries up to and including {@code compactIndex}, keeping its term. */
    public void compact(long compactIndex) {
        long offset = entries.get(0).index();
        if (compactIndex <= offset) {
            return;
        }
        if (compactIndex > lastIndex()) {
            throw new IllegalStateException("compact " + compactIndex + " beyond last index " + lastIndex());
        }
        int i = (int) (compactIndex - offset);
        Entry keep = entries.get(i);
        List<Entry> rest = new ArrayList<>(entries.subList(i + 1, entries.size()));
        entries.clear();
        entries.add(new Entry(keep.term(), keep.index(), EntryType.NORMAL, null));
        entries.addAll(rest);
    }

    /**
     * Appends entries, replacing any conflicting suffix. Entries already compacted are skipped;
     * a gap after the last index is a driver bug.
     */
    public void append(List<Entry> ents) {
        if (ents.isEmpty()) {
            return;
        }
        long first = firstIndex();
        long last = ents.get(0).index() + ents.size() - 1;
        if (last < first) {
            return;
        }
        List<Entry> toAppend = ents;
        if (first > ents.get(0).index()) {
            toAppend = ents.subList((int) (first - ents.get(0).index()), ents.size());
        }
        long offset = toAppend.get(0).index() - entries.get(0).index();
        if (offset > entries.size()) {
            throw new IllegalStateException("missing log entry: last " + lastIndex() + ", appending at "
                    + toAppend.get(0).index());
        }
        while (entries.size() > offset) {
            entries.remove(entries.size() - 1);
        }
        entries.addAll(toAppend);
    }

    static List<Entry> limitSize(List<Entry> ents, long maxBytes) {
        if (ents.isEmpty()) {
            return List.of();
        }
        long size = ents.get(0).sizeBytes();
        int n = 1;
        while (n < ents.size()) {
            size += ents.get(n).sizeBytes();
            if (size > maxBytes) {
                break;
            }
            n++;
        }
        return List.copyOf(ents.subList(0, n));
    }
}
