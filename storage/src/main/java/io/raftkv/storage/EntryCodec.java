package io.raftkv.storage;

import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import java.util.zip.CRC32C;

/**
 * Log entry values: a fixed 18-byte header then the payload.
 *
 * <pre>
 *  0  format (1)
 *  1  entry type (1)
 *  2  term (8, big-endian)
 * 10  header CRC32C over bytes 0..10 and the 8-byte index (4)
 * 14  payload CRC32C (4)
 * 18  payload
 * </pre>
 *
 * The header has its own checksum so that {@code term(index)} can read and verify 14 bytes without
 * touching the payload; including the index catches a value stored under the wrong key.
 */
final class EntryCodec {
    private EntryCodec() {
    }

    static final int FORMAT = 1;
    static final int HEADER_BYTES = 18;
    static final int TERM_HEADER_BYTES = 14;
    private static final EntryType[] TYPES = EntryType.values();

    static byte[] encode(Entry e) {
        byte[] data = e.data();
        byte[] v = new byte[HEADER_BYTES + data.length];
        v[0] = FORMAT;
        v[1] = (byte) e.type().ordinal();
        Wire.putLongBE(v, 2, e.term());
        Wire.putIntBE(v, 10, headerCrc(v, e.index()));
        Wire.putIntBE(v, 14, Wire.crc32c(data, 0, data.length));
        System.arraycopy(data, 0, v, HEADER_BYTES, data.length);
        return v;
    }

    /** The payload size an encoded value carries, for byte limits before decoding. */
    static int payloadSize(byte[] value) {
        return value.length - HEADER_BYTES;
    }

    /** Verifies both checksums and decodes; returns null with {@code problem[0]} set when damaged. */
    static Entry decode(long index, byte[] v, String[] problem) {
        String p = checkHeader(index, v, v.length);
        if (p == null && v.length < HEADER_BYTES) {
            p = "value of " + v.length + " bytes is shorter than the " + HEADER_BYTES + "-byte header";
        }
        if (p == null) {
            int crc = Wire.crc32c(v, HEADER_BYTES, v.length - HEADER_BYTES);
            if (crc != Wire.getIntBE(v, 14)) {
                p = "payload checksum mismatch";
            }
        }
        if (p != null) {
            problem[0] = p;
            return null;
        }
        byte[] data = java.util.Arrays.copyOfRange(v, HEADER_BYTES, v.length);
        return new Entry(Wire.getLongBE(v, 2), index, TYPES[v[1]], data);
    }

    /** The term from a (possibly partial) value whose first {@code len >= 14} bytes are in {@code v}. */
    static long term(long index, byte[] v, int len, String[] problem) {
        String p = checkHeader(index, v, len);
        if (p != null) {
            problem[0] = p;
            return -1;
        }
        return Wire.getLongBE(v, 2);
    }

    private static String checkHeader(long index, byte[] v, int len) {
        if (len < TERM_HEADER_BYTES) {
            return "value of " + len + " bytes is shorter than the entry header";
        }
        if (v[0] != FORMAT) {
            return "unknown entry format " + v[0];
        }
        if (headerCrc(v, index) != Wire.getIntBE(v, 10)) {
            return "header checksum mismatch";
        }
        if (v[1] < 0 || v[1] >= TYPES.length) {
            return "unknown entry type " + v[1];
        }
        return null;
    }

    private static int headerCrc(byte[] v, long index) {
        CRC32C c = new CRC32C();
        c.update(v, 0, 10);
        byte[] idx = new byte[8];
        Wire.putLongBE(idx, 0, index);
        c.update(idx, 0, 8);
        return (int) c.getValue();
    }
}
