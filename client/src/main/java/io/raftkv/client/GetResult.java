package io.raftkv.client;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer to a get: a missing key is {@code found() == false}, not an exception.
 *
 * @param kv     the key's state, empty when the key does not exist
 * @param header where the answer came from; {@code header.index()} is the applied index observed
 */
public record GetResult(Optional<KeyValue> kv, Header header) {
    public GetResult {
        Objects.requireNonNull(kv, "kv");
        Objects.requireNonNull(header, "header");
    }

    /** Whether the key exists. */
    public boolean found() {
        return kv.isPresent();
    }

    /** The value decoded as UTF-8, if the key exists. */
    public Optional<String> valueUtf8() {
        return kv.map(KeyValue::valueUtf8);
    }
}
