package io.raftkv.client;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * What to scan: a key range or a prefix, the page size and the consistency. Immutable; the {@code with*}
 * methods return copies.
 *
 * @param startKey    first key of the range (inclusive); empty with a prefix
 * @param endKey      end of the range (exclusive); empty means the end of the keyspace
 * @param prefix      scan the keys with this prefix instead of a range; empty for a range scan
 * @param pageSize    keys fetched per round trip; 0 means the server's default
 * @param consistency the consistency of every page, or {@code null} for the client's default
 */
public record Scan(ByteString startKey, ByteString endKey, ByteString prefix, int pageSize, ReadConsistency consistency) {
    public Scan {
        Objects.requireNonNull(startKey, "startKey");
        Objects.requireNonNull(endKey, "endKey");
        Objects.requireNonNull(prefix, "prefix");
        if (pageSize < 0) {
            throw new IllegalArgumentException("pageSize must be >= 0, got " + pageSize);
        }
        if (!prefix.isEmpty() && !(startKey.isEmpty() && endKey.isEmpty())) {
            throw new IllegalArgumentException("a scan takes either a prefix or a range, not both");
        }
    }

    /** Every key. */
    public static Scan all() {
        return new Scan(ByteString.EMPTY, ByteString.EMPTY, ByteString.EMPTY, 0, null);
    }

    /** The keys in {@code [startKey, endKey)}; an empty end means to the end of the keyspace. */
    public static Scan range(ByteString startKey, ByteString endKey) {
        return new Scan(startKey, endKey, ByteString.EMPTY, 0, null);
    }

    /** The UTF-8 keys in {@code [startKey, endKey)}. */
    public static Scan range(String startKey, String endKey) {
        return range(ByteString.copyFromUtf8(startKey), ByteString.copyFromUtf8(endKey));
    }

    /** The keys starting with {@code prefix}. */
    public static Scan prefix(ByteString prefix) {
        if (prefix.isEmpty()) {
            return all();
        }
        return new Scan(ByteString.EMPTY, ByteString.EMPTY, prefix, 0, null);
    }

    /** The keys starting with a UTF-8 prefix. */
    public static Scan prefix(String prefix) {
        return prefix(ByteString.copyFromUtf8(prefix));
    }

    /** A copy fetching {@code pageSize} keys per round trip (0: the client's default). */
    public Scan withPageSize(int pageSize) {
        return new Scan(startKey, endKey, prefix, pageSize, consistency);
    }

    /** A copy read with {@code consistency} ({@code null}: the client's default). */
    public Scan withConsistency(ReadConsistency consistency) {
        return new Scan(startKey, endKey, prefix, pageSize, consistency);
    }
}
