package io.raftkv.client;

import com.google.protobuf.ByteString;
import java.util.Objects;

/** One operation of a transaction branch. */
public sealed interface TxnOp {
    static TxnOp put(ByteString key, ByteString value) {
        return new Put(key, value);
    }

    static TxnOp put(String key, String value) {
        return new Put(ByteString.copyFromUtf8(key), ByteString.copyFromUtf8(value));
    }

    static TxnOp delete(ByteString key) {
        return new Delete(key, ByteString.EMPTY);
    }

    static TxnOp delete(String key) {
        return delete(ByteString.copyFromUtf8(key));
    }

    /** Deletes every key in {@code [key, endKey)}. */
    static TxnOp deleteRange(ByteString key, ByteString endKey) {
        return new Delete(key, endKey);
    }

    /** Reads up to {@code limit} keys of {@code [startKey, endKey)} (empty end: to the end of the keyspace). */
    static TxnOp range(ByteString startKey, ByteString endKey, int limit) {
        return new Range(startKey, endKey, limit);
    }

    /** Writes {@code value} at {@code key}. */
    record Put(ByteString key, ByteString value) implements TxnOp {
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Deletes {@code key}, or {@code [key, endKey)} when {@code endKey} is not empty. */
    record Delete(ByteString key, ByteString endKey) implements TxnOp {
        public Delete {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(endKey, "endKey");
        }
    }

    /** Reads {@code [startKey, endKey)}, at most {@code limit} keys (0: the server's default). */
    record Range(ByteString startKey, ByteString endKey, int limit) implements TxnOp {
        public Range {
            Objects.requireNonNull(startKey, "startKey");
            Objects.requireNonNull(endKey, "endKey");
            if (limit < 0) {
                throw new IllegalArgumentException("limit must be >= 0, got " + limit);
            }
        }
    }
}
