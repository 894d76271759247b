package io.raftkv.storage;

/**
 * Values of the kv and sessions column families. Each starts with a format byte so a later version can
 * change the layout; RocksDB's block and WAL checksums already protect these bytes at rest.
 */
final class KvRecord {
    private KvRecord() {
    }

    private static final int FORMAT = 1;

    static byte[] encodeKv(long version, long createIndex, long modIndex, Bytes value) {
        return new Wire.Writer(value.size() + 24).u8(FORMAT).varLong(version).varLong(createIndex).varLong(modIndex)
                .raw(value.array()).toByteArray();
    }

    static KeyValue decodeKv(Bytes key, byte[] v, String dataDir) {
        Wire.Reader r = new Wire.Reader(v);
        try {
            if (r.u8() != FORMAT) {
                throw new Wire.MalformedException("unknown format " + v[0]);
            }
            long version = r.varLong();
            long create = r.varLong();
            long mod = r.varLong();
            return new KeyValue(key, Bytes.wrap(r.rest()), version, create, mod);
        } catch (Wire.MalformedException e) {
            throw new CorruptionException("stored value of key " + key + " in data directory " + dataDir + " is malformed: "
                    + e.getMessage());
        }
    }

    /** A client session: last sequence applied and its result, ttl, and last activity by the log clock. */
    record Session(long id, long lastSequence, long ttlMillis, long lastActiveMillis, Result lastResult) {
    }

    static byte[] encodeSession(Session s) {
        Wire.Writer w = new Wire.Writer(64).u8(FORMAT).varLong(s.lastSequence()).varLong(s.ttlMillis()).i64(s.lastActiveMillis())
                .bool(s.lastResult() != null);
        if (s.lastResult() != null) {
            ResultCodec.write(w, s.lastResult());
        }
        return w.toByteArray();
    }

    static Session decodeSession(long id, byte[] v, String dataDir) {
        Wire.Reader r = new Wire.Reader(v);
        try {
            if (r.u8() != FORMAT) {
                throw new Wire.MalformedException("unknown format " + v[0]);
            }
            long seq = r.varLong();
            long ttl = r.varLong();
            long active = r.i64();
            Result last = r.bool() ? ResultCodec.read(r) : null;
            r.expectEnd();
            return new Session(id, seq, ttl, active, last);
        } catch (Wire.MalformedException e) {
            throw new CorruptionException("session " + id + " in data directory " + dataDir + " is malformed: " + e.getMessage());
        }
    }
}
