package io.raftkv.storage;

/**
 * Values of the kv and sessions column families. Each starts with a format byte so a later version can
 * change the layout; RocksDB's block and WAL checksums already protect these bytes at rest.
 */
final class KvRecord {
    private KvRecord() {
    }

    private static final int FORMAT = 1;

    /** Sized exactly, so the writer's buffer is the record: every put on every replica copies its value once here. */
    static byte[] encodeKv(long version, long createIndex, long modIndex, Bytes value) {
        int size = 1 + Wire.varLongSize(version) + Wire.varLongSize(createIndex) + Wire.varLongSize(modIndex) + value.size();
        return new Wire.Writer(size).u8(FORMAT).varLong(version).varLong(createIndex).varLong(modIndex)
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

    /**
     * A client session: last sequence applied and its result, ttl, last activity by the log clock, and the user
     * that opened it ("" when auth was off); a session with an owner is stored in format 2 (owner last).
     */
    record Session(long id, long lastSequence, long ttlMillis, long lastActiveMillis, Result lastResult, String owner) {
        Session {
            owner = owner == null ? "" : owner;
        }

        /** The same session with another sequence, activity and result (the owner never changes). */
        Session next(long sequence, long activeMillis, Result result) {
            return new Session(id, sequence, ttlMillis, activeMillis, result, owner);
        }
    }

    private static final int SESSION_WITH_OWNER = 2;

    static byte[] encodeSession(Session s) {
        Wire.Writer w = new Wire.Writer(64).u8(s.owner().isEmpty() ? FORMAT : SESSION_WITH_OWNER).varLong(s.lastSequence())
                .varLong(s.ttlMillis()).i64(s.lastActiveMillis()).bool(s.lastResult() != null);
        if (s.lastResult() != null) {
            ResultCodec.write(w, s.lastResult());
        }
        if (!s.owner().isEmpty()) {
            w.bytes(s.owner().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return w.toByteArray();
    }

    static Session decodeSession(long id, byte[] v, String dataDir) {
        Wire.Reader r = new Wire.Reader(v);
        try {
            int format = r.u8();
            if (format != FORMAT && format != SESSION_WITH_OWNER) {
                throw new Wire.MalformedException("unknown format " + v[0]);
            }
            long seq = r.varLong();
            long ttl = r.varLong();
            long active = r.i64();
            Result last = r.bool() ? ResultCodec.read(r) : null;
            String owner = format == SESSION_WITH_OWNER
                    ? new String(r.bytes(AuthState.MAX_NAME_BYTES), java.nio.charset.StandardCharsets.UTF_8) : "";
            r.expectEnd();
            return new Session(id, seq, ttl, active, last, owner);
        } catch (Wire.MalformedException e) {
            throw new CorruptionException("session " + id + " in data directory " + dataDir + " is malformed: " + e.getMessage());
        }
    }
}
