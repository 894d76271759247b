package io.raftkv.storage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An immutable byte string with value equality and unsigned lexicographic order (RocksDB's key order),
 * so commands and results can be records and compared in tests.
 */
public final class Bytes implements Comparable<Bytes> {
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] bytes;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Bytes copyOf(byte[] b) {
        return new Bytes(b.clone());
    }

    /**
     * Takes ownership of {@code b} without copying: for an array the caller just made and never touches
     * again (e.g. {@code ByteString.toByteArray()} of a request).
     */
    public static Bytes adopt(byte[] b) {
        return new Bytes(Objects.requireNonNull(b));
    }

    /** A read-only view of the bytes, without copying (for zero-copy responses). */
    public java.nio.ByteBuffer asReadOnlyBuffer() {
        return java.nio.ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    public static Bytes of(String utf8) {
        return new Bytes(utf8.getBytes(StandardCharsets.UTF_8));
    }

    /** Takes ownership without copying; for codecs that just allocated the array. */
    static Bytes wrap(byte[] b) {
        return new Bytes(Objects.requireNonNull(b));
    }

    public int size() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** The backing array; callers in this package promise not to mutate it. */
    byte[] array() {
        return bytes;
    }

    public String utf8() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public boolean startsWith(Bytes prefix) {
        return bytes.length >= prefix.bytes.length
                && Arrays.equals(bytes, 0, prefix.bytes.length, prefix.bytes, 0, prefix.bytes.length);
    }

    /** The smallest key greater than every key starting with this prefix, or null if there is none (all 0xFF). */
    public Bytes prefixEnd() {
        byte[] end = bytes.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return new Bytes(Arrays.copyOf(end, i + 1));
            }
        }
        return null;
    }

    @Override
    public int compareTo(Bytes o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        for (byte b : bytes) {
            if (b < 0x20 || b > 0x7E) {
                return bytes.length <= 32 ? "0x" + HexFormat.of().formatHex(bytes) : bytes.length + "B";
            }
        }
        return bytes.length <= 64 ? '"' + utf8() + '"' : '"' + utf8().substring(0, 61) + "...\"";
    }
}
