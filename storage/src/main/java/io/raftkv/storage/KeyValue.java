package io.raftkv.storage;

/**
 * A stored key with its metadata: {@code version} counts puts since the key was (re)created (1 after
 * the first put), {@code createIndex} and {@code modIndex} are the log indexes of its creation and last
 * change. A missing key behaves as version 0 in comparisons.
 */
public record KeyValue(Bytes key, Bytes value, long version, long createIndex, long modIndex) {
}
