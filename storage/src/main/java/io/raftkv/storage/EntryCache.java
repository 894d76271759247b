package io.raftkv.storage;

import io.raftkv.raft.Entry;
import java.util.ArrayList;
import java.util.List;

/**
 * The newest log entries, kept as the very {@link Entry} objects that were written, bounded by bytes. A
 * leader reads the tail of its log for every AppendEntries and for every apply batch; from RocksDB each
 * read decoded a fresh copy of every payload (a returning follower under read load made the leader's heap
 * hold millions of copies of the same few thousand entries). From here the log, the messages and the
 * state machine share one payload array per entry.
 *
 * <p>A contiguous run of indexes in a ring; written by the log writer under the store's write lock,
 * read by any thread. Small critical sections under this object's monitor.
 */
final class EntryCache {
    /** Accounted per entry besides its payload: the Entry object, its array header, the ring slot. */
    static final int ENTRY_FOOTPRINT = 64;

    private final long maxBytes;
    private Entry[] ring = new Entry[64];
    private int head;
    private int count;
    private long firstIndex;
    private long bytes;

    EntryCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Records entries just made durable; a suffix they overwrite is dropped first. */
    synchronized void append(List<Entry> entries) {
        if (entries.isEmpty() || maxBytes <= 0) {
            return;
        }
        long from = entries.get(0).index();
        if (count > 0 && (from < firstIndex || from > lastIndex() + 1)) {
            clearLocked();
        } else if (count > 0 && from <= lastIndex()) {
            truncateFrom(from);
        }
        for (Entry e : entries) {
            if (count == 0) {
                firstIndex = e.index();
            }
            push(e);
        }
        while (bytes > maxBytes && count > 1) {
            popFirst();
        }
    }

    /**
     * Entries {@code [lo, hi)} up to {@code maxBytes} (at least one), exactly as a read of the whole log
     * would return them; null if the cache cannot answer that alone (it does not hold {@code lo}, or the
     * answer runs past what it holds).
     */
    synchronized List<Entry> get(long lo, long hi, long maxBytes) {
        if (count == 0 || lo < firstIndex || lo > lastIndex() || lo >= hi) {
            return null;
        }
        List<Entry> out = new ArrayList<>((int) Math.min(hi - lo, 256));
        long size = 0;
        for (long i = lo; i < hi; i++) {
            if (i > lastIndex()) {
                return null;
            }
            Entry e = at(i);
            size += e.sizeBytes();
            if (!out.isEmpty() && size > maxBytes) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    /** The term at {@code index}, or -1 if not cached. */
    synchronized long term(long index) {
        if (count == 0 || index < firstIndex || index > lastIndex()) {
            return -1;
        }
        return at(index).term();
    }

    /** Forgets everything (the log was replaced by a snapshot). */
    synchronized void clear() {
        clearLocked();
    }

    /** Forgets entries up to {@code index} (compacted away). */
    synchronized void compactTo(long index) {
        while (count > 0 && firstIndex <= index) {
            popFirst();
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    private long lastIndex() {
        return firstIndex + count - 1;
    }

    private Entry at(long index) {
        return ring[(head + (int) (index - firstIndex)) % ring.length];
    }

    private void push(Entry e) {
        if (count == ring.length) {
            Entry[] bigger = new Entry[ring.length * 2];
            for (int i = 0; i < count; i++) {
                bigger[i] = ring[(head + i) % ring.length];
            }
            ring = bigger;
            head = 0;
        }
        ring[(head + count) % ring.length] = e;
        count++;
        bytes += e.sizeBytes() + ENTRY_FOOTPRINT;
    }

    private void popFirst() {
        Entry e = ring[head];
        ring[head] = null;
        head = (head + 1) % ring.length;
        count--;
        firstIndex++;
        bytes -= e.sizeBytes() + ENTRY_FOOTPRINT;
    }

    private void truncateFrom(long index) {
        while (count > 0 && lastIndex() >= index) {
            int slot = (head + count - 1) % ring.length;
            bytes -= ring[slot].sizeBytes() + ENTRY_FOOTPRINT;
            ring[slot] = null;
            count--;
        }
    }

    private void clearLocked() {
        java.util.Arrays.fill(ring, null);
        head = 0;
        count = 0;
        bytes = 0;
    }
}
