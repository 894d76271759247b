package io.raftkv.storage;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Small state values (hard state, configuration, compaction point, ...). Each is encoded as a format
 * byte, a body, and a trailing CRC32C over both, so that a damaged value is refused rather than read
 * as a plausible wrong number (a wrong vote or term would break Raft's safety silently).
 */
final class StateCodec {
    private StateCodec() {
    }

    private static final int FORMAT = 1;
    private static final int MAX_MEMBERS = 1 << 16;

    /** Where the value came from, for error messages. */
    record Where(String dataDir, String what) {
    }

    record IndexTerm(long index, long term) {
        static final IndexTerm ZERO = new IndexTerm(0, 0);
    }

    record Identity(int formatVersion, long nodeId, String clusterId) {
    }

    static byte[] seal(Wire.Writer body) {
        byte[] b = body.toByteArray();
        byte[] out = new byte[b.length + 4];
        System.arraycopy(b, 0, out, 0, b.length);
        Wire.putIntBE(out, b.length, Wire.crc32c(b, 0, b.length));
        return out;
    }

    /** Verifies the trailer and returns a reader over the body (after the format byte). */
    static Wire.Reader open(byte[] v, Where where) {
        if (v.length < 5 || Wire.crc32c(v, 0, v.length - 4) != Wire.getIntBE(v, v.length - 4)) {
            throw new CorruptionException("checksum mismatch in " + where.what() + " (" + v.length + " bytes) in data directory "
                    + where.dataDir());
        }
        if (v[0] != FORMAT) {
            throw new CorruptionException("unknown format " + v[0] + " of " + where.what() + " in data directory " + where.dataDir());
        }
        return new Wire.Reader(v, 1, v.length - 4);
    }

    static CorruptionException malformed(Where where, Wire.MalformedException e) {
        return new CorruptionException("malformed " + where.what() + " in data directory " + where.dataDir() + ": "
                + e.getMessage(), e);
    }

    private static Wire.Writer start() {
        return new Wire.Writer(64).u8(FORMAT);
    }

    static byte[] hardState(HardState hs) {
        return seal(start().i64(hs.term()).i64(hs.vote()).i64(hs.commit()));
    }

    static HardState hardState(byte[] v, Where where) {
        Wire.Reader r = open(v, where);
        try {
            HardState hs = new HardState(r.i64(), r.i64(), r.i64());
            r.expectEnd();
            return hs;
        } catch (Wire.MalformedException e) {
            throw malformed(where, e);
        }
    }

    static byte[] indexTerm(IndexTerm it) {
        return seal(start().i64(it.index()).i64(it.term()));
    }

    static IndexTerm indexTerm(byte[] v, Where where) {
        Wire.Reader r = open(v, where);
        try {
            IndexTerm it = new IndexTerm(r.i64(), r.i64());
            r.expectEnd();
            return it;
        } catch (Wire.MalformedException e) {
            throw malformed(where, e);
        }
    }

    static byte[] longValue(long v) {
        return seal(start().i64(v));
    }

    static long longValue(byte[] v, Where where) {
        Wire.Reader r = open(v, where);
        try {
            long x = r.i64();
            r.expectEnd();
            return x;
        } catch (Wire.MalformedException e) {
            throw malformed(where, e);
        }
    }

    static byte[] confState(ConfState cs) {
        Wire.Writer w = start();
        writeConf(w, cs);
        return seal(w);
    }

    static ConfState confState(byte[] v, Where where) {
        Wire.Reader r = open(v, where);
        try {
            ConfState cs = readConf(r);
            r.expectEnd();
            return cs;
        } catch (Wire.MalformedException e) {
            throw malformed(where, e);
        }
    }

    static byte[] snapshotMeta(SnapshotMetadata m) {
        Wire.Writer w = start().i64(m.index()).i64(m.term());
        writeConf(w, m.confState());
        return seal(w);
    }

    static SnapshotMetadata snapshotMeta(byte[] v, Where where) {
        Wire.Reader r = open(v, where);
        try {
            SnapshotMetadata m = new SnapshotMetadata(r.i64(), r.i64(), readConf(r));
            r.expectEnd();
            return m;
        } catch (Wire.MalformedException e) {
            throw malformed(where, e);
        }
    }

    static byte[] identity(Identity id) {
        return seal(start().i32(id.formatVersion()).i64(id.nodeId()).bytes(id.clusterId().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    static Identity identity(byte[] v, Where where) {
        Wire.Reader r = open(v, where);
        try {
            Identity id = new Identity(r.i32(), r.i64(), new String(r.bytes(1024), java.nio.charset.StandardCharsets.UTF_8));
            r.expectEnd();
            return id;
        } catch (Wire.MalformedException e) {
            throw malformed(where, e);
        }
    }

    static void writeConf(Wire.Writer w, ConfState cs) {
        writeIds(w, cs.voters());
        writeIds(w, cs.learners());
        writeIds(w, cs.votersOutgoing());
        writeIds(w, cs.learnersNext());
        w.bool(cs.autoLeave());
    }

    static ConfState readConf(Wire.Reader r) throws Wire.MalformedException {
        List<Long> voters = readIds(r);
        List<Long> learners = readIds(r);
        List<Long> outgoing = readIds(r);
        List<Long> next = readIds(r);
        boolean autoLeave = r.bool();
        try {
            return new ConfState(new java.util.TreeSet<>(voters), new java.util.TreeSet<>(learners),
                    new java.util.TreeSet<>(outgoing), new java.util.TreeSet<>(next), autoLeave);
        } catch (IllegalArgumentException e) {
            throw new Wire.MalformedException("invalid configuration: " + e.getMessage());
        }
    }

    private static void writeIds(Wire.Writer w, Collection<Long> ids) {
        w.varLong(ids.size());
        for (long id : ids) {
            w.varLong(id);
        }
    }

    private static List<Long> readIds(Wire.Reader r) throws Wire.MalformedException {
        int n = r.count(MAX_MEMBERS);
        List<Long> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(r.varLong());
        }
        return ids;
    }
}
