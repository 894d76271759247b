package io.raftkv.raft;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One Raft log entry. The payload array is owned by the entry once constructed: nobody may mutate it
 * (it is shared, not copied, so that a 1 MiB value crosses the core without a copy).
 */
public record Entry(long term, long index, EntryType type, byte[] data) {
    /** Bytes counted per entry besides its payload, for message-size and inflight-byte limits. */
    public static final int OVERHEAD_BYTES = 24;

    private static final byte[] EMPTY = new byte[0];

    public Entry {
        Objects.requireNonNull(type, "type");
        if (term < 0 || index < 0) {
            throw new IllegalArgumentException("negative term/index: term=" + term + " index=" + index);
        }
        data = data == null ? EMPTY : data;
    }

    public static Entry normal(long term, long index, byte[] data) {
        return new Entry(term, index, EntryType.NORMAL, data);
    }

    /** Payload size plus fixed overhead, the unit of every byte limit in the core. */
    public long sizeBytes() {
        return (long) data.length + OVERHEAD_BYTES;
    }

    public Entry withIndexAndTerm(long newIndex, long newTerm) {
        return new Entry(newTerm, newIndex, type, data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && e.term == term && e.index == index && e.type == type
                && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(term, index, type) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        String payload = data.length <= 16 ? HexFormat.of().formatHex(data) : data.length + "B";
        return index + "/" + term + (type == EntryType.NORMAL ? "" : "/" + type) + (data.length == 0 ? "" : ":" + payload);
    }
}
