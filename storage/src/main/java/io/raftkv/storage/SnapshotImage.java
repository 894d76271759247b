package io.raftkv.storage;

import io.raftkv.raft.SnapshotMetadata;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The logical content of a snapshot image (the payload carried by {@link Chunks}): a header with the
 * metadata, then the raw key/value pairs of each state column family in key order, then an end record
 * with the pair count. Raw keys go in unchanged so installing is a straight copy into SST files.
 *
 * <pre>
 * "RKVSNAP1" format(1) index(8) term(8) confLen(4) conf
 * { cf(1: 1=state_meta 2=kv 3=sessions) keyLen(4) key valueLen(4) value }*
 * 0 count(8)
 * </pre>
 */
final class SnapshotImage {
    private SnapshotImage() {
    }

    private static final byte[] MAGIC = "RKVSNAP1".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT = 1;
    private static final int MAX_KEY = 1 << 20;
    private static final int MAX_VALUE = 256 << 20;

    interface RecordSink {
        void accept(Db.Cf cf, byte[] key, byte[] value) throws IOException;
    }

    static void writeHeader(DataOutputStream out, SnapshotMetadata m) throws IOException {
        out.write(MAGIC);
        out.writeByte(FORMAT);
        out.writeLong(m.index());
        out.writeLong(m.term());
        Wire.Writer w = new Wire.Writer(64);
        StateCodec.writeConf(w, m.confState());
        byte[] conf = w.toByteArray();
        out.writeInt(conf.length);
        out.write(conf);
    }

    static void writeRecord(DataOutputStream out, Db.Cf cf, byte[] key, byte[] value) throws IOException {
        out.writeByte(Db.STATE_CFS.indexOf(cf) + 1);
        out.writeInt(key.length);
        out.write(key);
        out.writeInt(value.length);
        out.write(value);
    }

    static void writeEnd(DataOutputStream out, long count) throws IOException {
        out.writeByte(0);
        out.writeLong(count);
    }

    static SnapshotMetadata readHeader(DataInputStream in, String source) throws IOException {
        try {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new CorruptionException("snapshot " + source + " is not a raftkv snapshot image (bad magic)");
            }
            int format = in.readUnsignedByte();
            if (format != FORMAT) {
                throw new CorruptionException("snapshot " + source + " has unknown image format " + format);
            }
            long index = in.readLong();
            long term = in.readLong();
            int confLen = in.readInt();
            if (confLen < 0 || confLen > 1 << 20) {
                throw new CorruptionException("snapshot " + source + " has a damaged header");
            }
            Wire.Reader r = new Wire.Reader(in.readNBytes(confLen));
            try {
                SnapshotMetadata m = new SnapshotMetadata(index, term, StateCodec.readConf(r));
                r.expectEnd();
                return m;
            } catch (Wire.MalformedException | IllegalArgumentException e) {
                throw new CorruptionException("snapshot " + source + " has a damaged header: " + e.getMessage());
            }
        } catch (EOFException e) {
            throw new CorruptionException("snapshot " + source + " ends inside its header");
        }
    }

    /** Streams every record to {@code sink}, checking order and the final count; returns the count. */
    static long readRecords(DataInputStream in, String source, RecordSink sink) throws IOException {
        long count = 0;
        int lastCf = 0;
        byte[] lastKey = null;
        try {
            while (true) {
                int cf = in.readUnsignedByte();
                if (cf == 0) {
                    long expected = in.readLong();
                    if (expected != count) {
                        throw new CorruptionException("snapshot " + source + " holds " + count + " records, its end record says " + expected);
                    }
                    return count;
                }
                if (cf < lastCf || cf > Db.STATE_CFS.size()) {
                    throw new CorruptionException("snapshot " + source + ": record " + count + " has column family id " + cf
                            + " after " + lastCf);
                }
                if (cf != lastCf) {
                    lastKey = null;
                    lastCf = cf;
                }
                byte[] key = readBlob(in, MAX_KEY, source, count);
                byte[] value = readBlob(in, MAX_VALUE, source, count);
                if (key.length == 0 || key[0] != Keys.STATE_PREFIX
                        || (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0)) {
                    throw new CorruptionException("snapshot " + source + ": record " + count + " has a key out of order or range");
                }
                sink.accept(Db.STATE_CFS.get(cf - 1), key, value);
                lastKey = key;
                count++;
            }
        } catch (EOFException e) {
            throw new CorruptionException("snapshot " + source + " ends after " + count + " records without an end record");
        }
    }

    private static byte[] readBlob(DataInputStream in, int max, String source, long record) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new CorruptionException("snapshot " + source + ": record " + record + " has an implausible length " + n);
        }
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException();
        }
        return b;
    }
}
