package io.raftkv.storage;

import java.util.Objects;

/**
 * Keys {@code from <= k < to}; a null {@code to} means "to the end of the key space".
 */
public record KeyRange(Bytes from, Bytes to) {
    public KeyRange {
        Objects.requireNonNull(from, "from");
        if (to != null && to.compareTo(from) < 0) {
            throw new IllegalArgumentException("range end " + to + " before start " + from);
        }
    }

    public static KeyRange all() {
        return new KeyRange(Bytes.EMPTY, null);
    }

    public static KeyRange prefix(Bytes prefix) {
        return new KeyRange(prefix, prefix.prefixEnd());
    }

    public static KeyRange single(Bytes key) {
        byte[] k = key.array();
        byte[] next = java.util.Arrays.copyOf(k, k.length + 1);
        return new KeyRange(key, Bytes.wrap(next));
    }

    public boolean contains(Bytes key) {
        return key.compareTo(from) >= 0 && (to == null || key.compareTo(to) < 0);
    }

    /** The rest of this range after {@code key}, for paging. */
    public KeyRange after(Bytes key) {
        byte[] k = key.array();
        Bytes next = Bytes.wrap(java.util.Arrays.copyOf(k, k.length + 1));
        return new KeyRange(to != null && next.compareTo(to) > 0 ? to : next, to);
    }
}
