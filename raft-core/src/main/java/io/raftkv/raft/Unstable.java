package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * The tail of the log not yet persisted: an incoming snapshot and/or entries from {@code offset} on.
 * Everything below {@code offset} is in {@link Storage}, so {@code offset - 1} is the persisted last index.
 */
final class Unstable {
    Snapshot snapshot;
    final ArrayList<Entry> entries = new ArrayList<>();
    long offset;

    Unstable(long offset) {
        this.offset = offset;
    }

    /** Known only while a snapshot is pending: then the log starts right after it. */
    long maybeFirstIndex() {
        return snapshot == null ? -1 : snapshot.index() + 1;
    }

    long maybeLastIndex() {
        if (!entries.isEmpty()) {
            return offset + entries.size() - 1;
        }
        return snapshot == null ? -1 : snapshot.index();
    }

    /** The term at {@code i} if this tail knows it, else -1. */
    long maybeTerm(long i) {
        if (i < offset) {
            return snapshot != null && snapshot.index() == i ? snapshot.term() : -1;
        }
        long last = maybeLastIndex();
        if (last < 0 || i > last) {
            return -1;
        }
        return entries.get((int) (i - offset)).term();
    }

    /**
     * Entries up to (i, t) reached storage. If the tail was replaced meanwhile (the term at i changed),
     * what was persisted is already superseded and stays unstable.
     */
    void stableTo(long i, long t) {
        long gt = maybeTerm(i);
        if (gt == t && i >= offset) {
            entries.subList(0, (int) (i + 1 - offset)).clear();
            offset = i + 1;
        }
    }

    void stableSnapTo(long i) {
        if (snapshot != null && snapshot.index() == i) {
            snapshot = null;
        }
    }

    void restore(Snapshot s) {
        offset = s.index() + 1;
        entries.clear();
        snapshot = s;
    }

    void truncateAndAppend(List<Entry> ents) {
        long from = ents.get(0).index();
        if (from == offset + entries.size()) {
            entries.addAll(ents);
        } else if (from <= offset) {
            // Replaces persisted entries too: storage truncates its suffix when these are written.
            offset = from;
            entries.clear();
            entries.addAll(ents);
        } else {
            entries.subList((int) (from - offset), entries.size()).clear();
            entries.addAll(ents);
        }
    }

    List<Entry> slice(long lo, long hi) {
        if (lo > hi || lo < offset || hi > offset + entries.size()) {
            throw new IllegalStateException("unstable.slice[" + lo + "," + hi + ") out of bound [" + offset + ","
                    + (offset + entries.size()) + "]");
        }
        return new ArrayList<>(entries.subList((int) (lo - offset), (int) (hi - offset)));
    }
}
