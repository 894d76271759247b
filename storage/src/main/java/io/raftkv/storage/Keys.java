package io.raftkv.storage;

import java.nio.charset.StandardCharsets;

/**
 * Key layout of every column family (see README "On-disk layout"). Keys of the state column families
 * (kv, sessions, state_meta) all start with {@link #STATE_PREFIX} so that one range tombstone
 * {@code [0x01, 0x02)} clears a column family when a snapshot is installed, whatever the user keys are.
 */
final class Keys {
    private Keys() {
    }

    static final byte STATE_PREFIX = 0x01;
    static final byte[] STATE_BEGIN = {STATE_PREFIX};
    static final byte[] STATE_END = {STATE_PREFIX + 1};

    /** Log keys are the 8-byte big-endian index, so RocksDB's byte order is index order. */
    static final byte[] LOG_BEGIN = logKey(0);
    static final byte[] LOG_END = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

    // default column family
    static final byte[] IDENTITY = ascii("identity");
    /** A random id made when this data directory was first initialised: a recreated directory gets a new one. */
    static final byte[] INCARNATION = ascii("incarnation");
    /** Written by the liveness probe: proves the disk takes a synced write. */
    static final byte[] HEALTH_PROBE = ascii("health_probe");
    /** Prefix of the incarnation this node has seen each peer under: {@code peer_incarnation/} + 8-byte id. */
    static final byte[] PEER_INCARNATION_PREFIX = ascii("peer_incarnation/");

    static byte[] peerIncarnationKey(long id) {
        byte[] k = java.util.Arrays.copyOf(PEER_INCARNATION_PREFIX, PEER_INCARNATION_PREFIX.length + 8);
        Wire.putLongBE(k, PEER_INCARNATION_PREFIX.length, id);
        return k;
    }

    // raft_state column family
    static final byte[] HARD_STATE = ascii("hard_state");
    static final byte[] COMPACTION_POINT = ascii("compaction_point");
    static final byte[] SNAPSHOT_META = ascii("snapshot");
    static final byte[] INSTALL_PENDING = ascii("install_pending");

    // state_meta column family (part of every snapshot image)
    static final byte[] APPLIED = stateKey(ascii("applied"));
    static final byte[] CONF_STATE = stateKey(ascii("conf_state"));
    static final byte[] LOG_CLOCK = stateKey(ascii("log_clock"));
    /** The whole auth store ({@link AuthState}, encoded by {@link AuthCodec}); absent until the first auth change. */
    static final byte[] AUTH = stateKey(ascii("auth"));
    /** Prefix of the member records: {@code member/} + 8-byte big-endian id, so a prefix scan lists them by id. */
    static final byte[] MEMBER_PREFIX = stateKey(ascii("member/"));

    /** Prefix of the incarnation records: {@code incarnation/} + 8-byte big-endian member id. */
    static final byte[] INCARNATION_PREFIX = stateKey(ascii("incarnation/"));

    static byte[] incarnationKey(long member) {
        byte[] k = java.util.Arrays.copyOf(INCARNATION_PREFIX, INCARNATION_PREFIX.length + 8);
        Wire.putLongBE(k, INCARNATION_PREFIX.length, member);
        return k;
    }

    /** Prefix of the alarms: {@code alarm/} + 8-byte big-endian member id + 1-byte type. */
    static final byte[] ALARM_PREFIX = stateKey(ascii("alarm/"));

    static byte[] alarmKey(long member, Alarm.Type type) {
        byte[] k = java.util.Arrays.copyOf(ALARM_PREFIX, ALARM_PREFIX.length + 9);
        Wire.putLongBE(k, ALARM_PREFIX.length, member);
        k[k.length - 1] = (byte) type.ordinal();
        return k;
    }

    static byte[] memberKey(long id) {
        byte[] k = java.util.Arrays.copyOf(MEMBER_PREFIX, MEMBER_PREFIX.length + 8);
        Wire.putLongBE(k, MEMBER_PREFIX.length, id);
        return k;
    }

    static byte[] logKey(long index) {
        byte[] k = new byte[8];
        Wire.putLongBE(k, 0, index);
        return k;
    }

    static long logIndex(byte[] key) {
        if (key.length != 8) {
            throw new IllegalStateException("log key of " + key.length + " bytes");
        }
        return Wire.getLongBE(key, 0);
    }

    static byte[] stateKey(byte[] userKey) {
        byte[] k = new byte[userKey.length + 1];
        k[0] = STATE_PREFIX;
        System.arraycopy(userKey, 0, k, 1, userKey.length);
        return k;
    }

    static byte[] kvKey(Bytes key) {
        return stateKey(key.array());
    }

    static Bytes userKey(byte[] kvKey) {
        return Bytes.wrap(java.util.Arrays.copyOfRange(kvKey, 1, kvKey.length));
    }

    static byte[] sessionKey(long id) {
        byte[] k = new byte[9];
        k[0] = STATE_PREFIX;
        Wire.putLongBE(k, 1, id);
        return k;
    }

    static long sessionId(byte[] key) {
        return Wire.getLongBE(key, 1);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
