package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * The log as the core sees it: persisted entries in {@link Storage} followed by the {@link Unstable}
 * tail, plus the commit index and the index last handed to the application ({@code applied}).
 */
final class RaftLog {
    final Storage storage;
    final Unstable unstable;
    long committed;
    long applied;
    /** The last committed index handed to the application in a Ready not yet advanced (>= applied). */
    long applying;
    private final long maxApplyingBytes;

    RaftLog(Storage storage, long maxApplyingBytes) {
        this.storage = storage;
        this.maxApplyingBytes = maxApplyingBytes;
        long first = storage.firstIndex();
        long last = storage.lastIndex();
        this.unstable = new Unstable(last + 1);
        this.committed = first - 1;
        this.applied = first - 1;
        this.applying = applied;
    }

    long firstIndex() {
        long i = unstable.maybeFirstIndex();
        return i >= 0 ? i : storage.firstIndex();
    }

    long lastIndex() {
        long i = unstable.maybeLastIndex();
        return i >= 0 ? i : storage.lastIndex();
    }

    /** The last index that is in storage and still part of this log. */
    long persistedIndex() {
        return unstable.snapshot != null ? 0 : Math.min(unstable.offset - 1, lastIndex());
    }

    /**
     * The term at {@code i}; 0 if {@code i} is beyond the log.
     *
     * @throws LogCompactedException if {@code i} precedes the compaction point
     */
    long term(long i) {
        long dummy = firstIndex() - 1;
        if (i < dummy) {
            throw new LogCompactedException(i, dummy + 1);
        }
        if (i > lastIndex()) {
            return 0;
        }
        long t = unstable.maybeTerm(i);
        return t >= 0 ? t : storage.term(i);
    }

    long termOrZero(long i) {
        try {
            return term(i);
        } catch (LogCompactedException e) {
            return 0;
        }
    }

    long lastTerm() {
        return term(lastIndex());
    }

    boolean matchTerm(long i, long t) {
        return termOrZero(i) == t && (i == 0 || i <= lastIndex());
    }

    /** Raft §5.4.1: a candidate's log is at least as up to date as ours. */
    boolean isUpToDate(long lastIdx, long lastTrm) {
        long ourTerm = lastTerm();
        return lastTrm > ourTerm || (lastTrm == ourTerm && lastIdx >= lastIndex());
    }

    /**
     * The follower side of AppendEntries: appends after (prevIndex, prevTerm) if it matches, truncating
     * only a conflicting suffix. Returns the last index of the new entries, or -1 if prev did not match.
     */
    long maybeAppend(long prevIndex, long prevTerm, long leaderCommit, List<Entry> ents) {
        if (!matchTerm(prevIndex, prevTerm)) {
            return -1;
        }
        long lastNew = prevIndex + ents.size();
        long ci = findConflict(ents);
        if (ci != 0) {
            if (ci <= committed) {
                throw new IllegalStateException("entry " + ci + " conflicts with committed entry (committed "
                        + committed + ")");
            }
            append(ents.subList((int) (ci - (prevIndex + 1)), ents.size()));
        }
        commitTo(Math.min(leaderCommit, lastNew));
        return lastNew;
    }

    long append(List<Entry> ents) {
        if (ents.isEmpty()) {
            return lastIndex();
        }
        long after = ents.get(0).index() - 1;
        if (after < committed) {
            throw new IllegalStateException("appending after " + after + " would overwrite committed " + committed);
        }
        unstable.truncateAndAppend(ents);
        return lastIndex();
    }

    /** The first entry whose term differs from ours (new or conflicting), or 0 if all match. */
    private long findConflict(List<Entry> ents) {
        for (Entry e : ents) {
            if (!matchTerm(e.index(), e.term())) {
                return e.index();
            }
        }
        return 0;
    }

    /**
     * For fast back-off: the largest index at or below {@code index} whose term is at most {@code term},
     * with that term. Returns {index, 0} when the term is unknown (compacted or beyond the log).
     */
    long[] findConflictByTerm(long index, long term) {
        if (index > lastIndex()) {
            return new long[] {index, 0};
        }
        for (; index > 0; index--) {
            long ourTerm;
            try {
                ourTerm = term(index);
            } catch (LogCompactedException e) {
                return new long[] {index, 0};
            }
            if (ourTerm <= term) {
                return new long[] {index, ourTerm};
            }
        }
        return new long[] {0, 0};
    }

    List<Entry> unstableEntries() {
        return List.copyOf(unstable.entries);
    }

    /** Committed entries not yet handed out, but only those already persisted locally. */
    List<Entry> nextCommittedEntries() {
        long lo = Math.max(applied + 1, firstIndex());
        long hi = Math.min(committed, persistedIndex()) + 1;
        if (lo >= hi) {
            return List.of();
        }
        return slice(lo, hi, maxApplyingBytes);
    }

    boolean hasNextCommittedEntries() {
        return Math.max(applied + 1, firstIndex()) <= Math.min(committed, persistedIndex());
    }

    List<Entry> entries(long from, long maxBytes) {
        if (from > lastIndex()) {
            return List.of();
        }
        return slice(from, lastIndex() + 1, maxBytes);
    }

    /** Entries in [lo, hi), at least one, then within {@code maxBytes}. */
    List<Entry> slice(long lo, long hi, long maxBytes) {
        if (lo < firstIndex()) {
            throw new LogCompactedException(lo, firstIndex());
        }
        if (hi > lastIndex() + 1 || lo > hi) {
            throw new IllegalStateException("slice[" + lo + "," + hi + ") out of bound [" + firstIndex() + ","
                    + lastIndex() + "]");
        }
        if (lo == hi) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        if (lo < unstable.offset) {
            List<Entry> stored = storage.entries(lo, Math.min(hi, unstable.offset), maxBytes);
            out.addAll(stored);
            if (stored.size() < Math.min(hi, unstable.offset) - lo) {
                return out;
            }
        }
        if (hi > unstable.offset) {
            out.addAll(unstable.slice(Math.max(lo, unstable.offset), hi));
        }
        return MemoryStorage.limitSize(out, maxBytes);
    }

    void commitTo(long toCommit) {
        if (committed < toCommit) {
            if (lastIndex() < toCommit) {
                throw new IllegalStateException("commit index " + toCommit + " is beyond the last index "
                        + lastIndex() + " (log corrupted, truncated or lost?)");
            }
            committed = toCommit;
        }
    }

    void appliedTo(long i) {
        if (i == 0) {
            return;
        }
        if (committed < i || i < applied) {
            throw new IllegalStateException("applied(" + i + ") is out of range [prevApplied(" + applied
                    + "), committed(" + committed + ")]");
        }
        applied = i;
        applying = Math.max(applying, i);
    }

    void stableTo(long i, long t) {
        unstable.stableTo(i, t);
    }

    void stableSnapTo(long i) {
        unstable.stableSnapTo(i);
    }

    boolean hasPendingSnapshot() {
        return unstable.snapshot != null;
    }

    Snapshot snapshot() {
        return unstable.snapshot != null ? unstable.snapshot : storage.snapshot();
    }

    void restore(Snapshot s) {
        committed = s.index();
        applying = applied;
        unstable.restore(s);
    }
}
