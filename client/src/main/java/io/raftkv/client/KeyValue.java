package io.raftkv.client;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * One key and its state.
 *
 * @param key         the key
 * @param value       the value
 * @param version     1 on creation, +1 on every put; never 0 for an existing key
 * @param modIndex    log index of the last modification
 * @param createIndex log index of the creation
 */
public record KeyValue(ByteString key, ByteString value, long version, long modIndex, long createIndex) {
    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    /** The key decoded as UTF-8. */
    public String keyUtf8() {
        return key.toStringUtf8();
    }

    /** The value decoded as UTF-8. */
    public String valueUtf8() {
        return value.toStringUtf8();
    }
}
