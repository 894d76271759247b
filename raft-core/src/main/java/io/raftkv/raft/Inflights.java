package io.raftkv.raft;

/**
 * The AppendEntries a leader has sent to one follower and not yet seen acknowledged, bounded by count
 * and by bytes: the pipelining window of the replicate state. A ring buffer of (last index, bytes).
 */
final class Inflights {
    private final int capacity;
    private final long maxBytes;
    private final long[] indexes;
    private final long[] sizes;
    private int start;
    private int count;
    private long bytes;

    Inflights(int capacity, long maxBytes) {
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.indexes = new long[capacity];
        this.sizes = new long[capacity];
    }

    void add(long lastIndex, long size) {
        if (count == capacity) {
            throw new IllegalStateException("inflights full (" + capacity + "), cannot add " + lastIndex);
        }
        int slot = (start + count) % capacity;
        indexes[slot] = lastIndex;
        sizes[slot] = size;
        count++;
        bytes += size;
    }

    /** Frees every message whose last index is at or below {@code to}: they are acknowledged. */
    void freeLE(long to) {
        while (count > 0 && indexes[start] <= to) {
            bytes -= sizes[start];
            start = (start + 1) % capacity;
            count--;
        }
        if (count == 0) {
            start = 0;
        }
    }

    /** Frees the oldest message, so that a stalled window can send one probe after a heartbeat. */
    void freeFirstOne() {
        if (count > 0) {
            freeLE(indexes[start]);
        }
    }

    boolean full() {
        return count == capacity || (maxBytes > 0 && bytes >= maxBytes);
    }

    int count() {
        return count;
    }

    void reset() {
        start = 0;
        count = 0;
        bytes = 0;
    }
}
