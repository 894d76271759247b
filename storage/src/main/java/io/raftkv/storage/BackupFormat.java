package io.raftkv.storage;

import io.raftkv.raft.ConfState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The byte layout of a backup file. A backup is a snapshot image (the same chunks a leader streams to a
 * follower, see {@link Chunks} and {@link SnapshotImage}) between a header that says where it came from and
 * a trailer with the counts and a SHA-256 of every byte before the digest:
 *
 * <pre>
 *  header   "RAFTKVBK" version(4) bodyLength(4) body CRC32C(4, over everything before it)
 *           body: clusterId(bytes) nodeId(8) index(8) term(8) createdMillis(8) linearizable(1) configuration
 *  image    chunk frames: seq(4) flags(1) length(4) CRC32C(4) payload, exactly as in snap/*.snap
 *  trailer  "RKVBKEND" chunks(4) imagePayloadBytes(8) records(8) keys(8) sessions(8) SHA-256(32)
 * </pre>
 *
 * The version comes right after the magic and before anything whose layout it governs, so a future
 * reader can refuse (or read) any version by looking at 12 bytes. Every byte is covered twice: chunks and
 * header by CRC32C (which localizes damage), the whole file by SHA-256 (which also covers the trailer and
 * is the number an operator compares across copies).
 */
final class BackupFormat {
    private BackupFormat() {
    }

    static final int VERSION = 1;
    static final byte[] MAGIC = "RAFTKVBK".getBytes(StandardCharsets.US_ASCII);
    static final byte[] TRAILER_MAGIC = "RKVBKEND".getBytes(StandardCharsets.US_ASCII);
    static final int FIXED_HEADER = 16;
    /** Trailer bytes covered by the digest (magic and counts); the 32-byte SHA-256 follows them. */
    static final int TRAILER_FIELDS = 8 + 4 + 8 * 4;
    static final int TRAILER_BYTES = TRAILER_FIELDS + 32;
    private static final int MAX_HEADER_BODY = 1 << 20;

    record Header(String clusterId, long nodeId, long index, long term, long createdMillis, boolean linearizable,
                  ConfState members) {
    }

    record Trailer(int chunks, long imageBytes, long records, long keys, long sessions) {
    }

    static byte[] header(Header h) {
        Wire.Writer w = new Wire.Writer(128).bytes(h.clusterId().getBytes(StandardCharsets.UTF_8)).i64(h.nodeId())
                .i64(h.index()).i64(h.term()).i64(h.createdMillis()).bool(h.linearizable());
        StateCodec.writeConf(w, h.members());
        byte[] body = w.toByteArray();
        byte[] out = new byte[FIXED_HEADER + body.length + 4];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        Wire.putIntBE(out, 8, VERSION);
        Wire.putIntBE(out, 12, body.length);
        System.arraycopy(body, 0, out, FIXED_HEADER, body.length);
        Wire.putIntBE(out, FIXED_HEADER + body.length, Wire.crc32c(out, 0, FIXED_HEADER + body.length));
        return out;
    }

    /** Reads and checks the header; {@code what} names the file in errors ("backup file X"). */
    static Header readHeader(InputStream in, String what) throws IOException {
        byte[] fixed = in.readNBytes(FIXED_HEADER);
        if (fixed.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(fixed, MAGIC.length), MAGIC)) {
            throw new CorruptionException(what + " is not a raftkv backup file (its first bytes are not \"RAFTKVBK\")");
        }
        if (fixed.length < FIXED_HEADER) {
            throw new CorruptionException(what + " is truncated inside its header (" + fixed.length + " bytes)");
        }
        int version = Wire.getIntBE(fixed, 8);
        if (version != VERSION) {
            throw new CorruptionException(what + " has backup format version " + Integer.toUnsignedString(version)
                    + ", which this build cannot read (it reads version " + VERSION + ")");
        }
        int len = Wire.getIntBE(fixed, 12);
        if (len < 0 || len > MAX_HEADER_BODY) {
            throw new CorruptionException(what + " has a damaged header (body length " + len + " at byte offset 12)");
        }
        byte[] rest = in.readNBytes(len + 4);
        if (rest.length < len + 4) {
            throw new CorruptionException(what + " is truncated inside its header (" + (FIXED_HEADER + rest.length)
                    + " of " + (FIXED_HEADER + len + 4) + " bytes)");
        }
        byte[] all = new byte[FIXED_HEADER + len];
        System.arraycopy(fixed, 0, all, 0, FIXED_HEADER);
        System.arraycopy(rest, 0, all, FIXED_HEADER, len);
        if (Wire.crc32c(all, 0, all.length) != Wire.getIntBE(rest, len)) {
            throw new CorruptionException(what + ": header checksum mismatch (bytes 0.." + (all.length + 4) + ")");
        }
        Wire.Reader r = new Wire.Reader(all, FIXED_HEADER, all.length);
        try {
            Header h = new Header(new String(r.bytes(1024), StandardCharsets.UTF_8), r.i64(), r.i64(), r.i64(), r.i64(),
                    r.bool(), StateCodec.readConf(r));
            r.expectEnd();
            return h;
        } catch (Wire.MalformedException e) {
            throw new CorruptionException(what + " has a malformed header: " + e.getMessage());
        }
    }

    /** The digested part of the trailer; the caller appends the SHA-256. */
    static byte[] trailerFields(Trailer t) {
        byte[] b = new byte[TRAILER_FIELDS];
        System.arraycopy(TRAILER_MAGIC, 0, b, 0, TRAILER_MAGIC.length);
        Wire.putIntBE(b, 8, t.chunks());
        Wire.putLongBE(b, 12, t.imageBytes());
        Wire.putLongBE(b, 20, t.records());
        Wire.putLongBE(b, 28, t.keys());
        Wire.putLongBE(b, 36, t.sessions());
        return b;
    }

    static Trailer readTrailerFields(byte[] b, String what, long offset) {
        if (!Arrays.equals(Arrays.copyOf(b, TRAILER_MAGIC.length), TRAILER_MAGIC)) {
            throw new CorruptionException(what + ": no trailer after the last chunk (expected \"RKVBKEND\" at byte offset "
                    + offset + ")");
        }
        return new Trailer(Wire.getIntBE(b, 8), Wire.getLongBE(b, 12), Wire.getLongBE(b, 20), Wire.getLongBE(b, 28),
                Wire.getLongBE(b, 36));
    }
}
