package io.raftkv.client;

import com.google.protobuf.ByteString;
import java.util.Objects;

/** What a compare-and-set expects the key to hold. */
public sealed interface Expected {
    /** The key must not exist. */
    static Expected absent() {
        return new Version(0);
    }

    /** The key must exist with exactly this version ({@code 0} means absent). */
    static Expected version(long version) {
        return new Version(version);
    }

    /** The key must exist with exactly this value. */
    static Expected value(ByteString value) {
        return new Value(value);
    }

    /** The key must exist with exactly this value (UTF-8). */
    static Expected value(String value) {
        return new Value(ByteString.copyFromUtf8(value));
    }

    /** Expects a version; {@code 0} means the key is absent. */
    record Version(long version) implements Expected {
        public Version {
            if (version < 0) {
                throw new IllegalArgumentException("version must be >= 0 (0 = absent), got " + version);
            }
        }
    }

    /** Expects a value. */
    record Value(ByteString value) implements Expected {
        public Value {
            Objects.requireNonNull(value, "value");
        }
    }
}
