package io.raftkv.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.raftkv.proto.Consistency;

/**
 * Checks client input against the configured limits before anything is proposed: limits are a server
 * policy, so they must never be enforced at apply time (replicas with different limits would diverge).
 * Every rejection names the limit and the actual size.
 */
final class RequestValidator {
    private final ServerConfig.Limits limits;

    RequestValidator(ServerConfig.Limits limits) {
        this.limits = limits;
    }

    void request(MessageLite request) {
        int size = request.getSerializedSize();
        if (size > limits.maxRequestBytes()) {
            throw NodeException.invalid("max-request-bytes", limits.maxRequestBytes(), size,
                    "request of " + size + " bytes exceeds the maximum request size of " + limits.maxRequestBytes() + " bytes");
        }
    }

    void key(ByteString key, String what) {
        if (key.isEmpty()) {
            throw NodeException.invalid("min-key-bytes", 1, 0, what + " must not be empty");
        }
        if (key.size() > limits.maxKeyBytes()) {
            throw NodeException.invalid("max-key-bytes", limits.maxKeyBytes(), key.size(),
                    what + " of " + key.size() + " bytes exceeds the maximum key size of " + limits.maxKeyBytes() + " bytes");
        }
    }

    /** An optional range bound: may be empty, not longer than a key. */
    void bound(ByteString bound, String what) {
        if (bound.size() > limits.maxKeyBytes()) {
            throw NodeException.invalid("max-key-bytes", limits.maxKeyBytes(), bound.size(),
                    what + " of " + bound.size() + " bytes exceeds the maximum key size of " + limits.maxKeyBytes() + " bytes");
        }
    }

    void value(ByteString value) {
        if (value.size() > limits.maxValueBytes()) {
            throw NodeException.invalid("max-value-bytes", limits.maxValueBytes(), value.size(),
                    "value of " + value.size() + " bytes exceeds the maximum value size of " + limits.maxValueBytes() + " bytes");
        }
    }

    /** 0 means the default page size; anything above the configured maximum is refused, not clamped. */
    int scanLimit(int requested) {
        if (requested < 0 || requested > limits.maxScanLimit()) {
            throw NodeException.invalid("max-scan-limit", limits.maxScanLimit(), Integer.toUnsignedLong(requested),
                    "scan limit " + Integer.toUnsignedLong(requested) + " is outside 1.." + limits.maxScanLimit()
                            + " (0 means the default page size)");
        }
        return requested == 0 ? Math.min(1000, limits.maxScanLimit()) : requested;
    }

    Consistency consistency(Consistency c) {
        if (c == Consistency.UNRECOGNIZED) {
            throw NodeException.invalid("consistency", 1, 0, "unknown consistency value: use LINEARIZABLE or SERIALIZABLE");
        }
        return c;
    }

    void txnSize(int items) {
        int max = 1024;
        if (items > max) {
            throw NodeException.invalid("max-txn-ops", max, items,
                    "transaction with " + items + " compares and operations exceeds the maximum of " + max);
        }
    }
}
