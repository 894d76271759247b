package io.raftkv.client;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * One condition of a transaction. Numbers compare as signed integers, values as unsigned bytes; a missing
 * key has version, mod index and create index 0 and never matches a value comparison.
 *
 * @param key    the key
 * @param target what of the key to compare
 * @param op     how to compare
 * @param number the operand for {@link Target#VERSION}, {@link Target#MOD_INDEX}, {@link Target#CREATE_INDEX}
 * @param value  the operand for {@link Target#VALUE} (empty otherwise)
 */
public record Compare(ByteString key, Target target, CompareOp op, long number, ByteString value) {
    /** What of the key a comparison looks at. */
    public enum Target {
        /** The key's version (0 when absent). */
        VERSION,
        /** The log index of the key's last modification (0 when absent). */
        MOD_INDEX,
        /** The log index of the key's creation (0 when absent). */
        CREATE_INDEX,
        /** The key's value (a missing key never matches). */
        VALUE
    }

    public Compare {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(value, "value");
    }

    /** Compares the key's version. */
    public static Compare version(ByteString key, CompareOp op, long version) {
        return new Compare(key, Target.VERSION, op, version, ByteString.EMPTY);
    }

    /** Compares the version of a UTF-8 key. */
    public static Compare version(String key, CompareOp op, long version) {
        return version(ByteString.copyFromUtf8(key), op, version);
    }

    /** Compares the log index of the key's last modification. */
    public static Compare modIndex(ByteString key, CompareOp op, long modIndex) {
        return new Compare(key, Target.MOD_INDEX, op, modIndex, ByteString.EMPTY);
    }

    /** Compares the log index of the key's creation. */
    public static Compare createIndex(ByteString key, CompareOp op, long createIndex) {
        return new Compare(key, Target.CREATE_INDEX, op, createIndex, ByteString.EMPTY);
    }

    /** Compares the key's value as unsigned bytes. */
    public static Compare value(ByteString key, CompareOp op, ByteString value) {
        return new Compare(key, Target.VALUE, op, 0, value);
    }

    /** Compares the value of a UTF-8 key with a UTF-8 value. */
    public static Compare value(String key, CompareOp op, String value) {
        return value(ByteString.copyFromUtf8(key), op, ByteString.copyFromUtf8(value));
    }
}
