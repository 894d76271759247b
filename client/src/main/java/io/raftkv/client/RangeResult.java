package io.raftkv.client;

import java.util.List;

/**
 * The keys a range operation inside a transaction read.
 *
 * @param kvs  the keys in key order, at most the operation's limit
 * @param more whether the range holds further keys past the limit
 */
public record RangeResult(List<KeyValue> kvs, boolean more) implements TxnOpResult {
    public RangeResult {
        kvs = List.copyOf(kvs);
    }
}
