package io.raftkv.client;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer to a compare-and-set. A failed comparison is a value ({@code succeeded() == false}), not an
 * exception.
 *
 * @param succeeded whether the expectation held and the new value was written
 * @param current   the key after the call: the new state on success, the state that failed the
 *                  comparison otherwise (empty when the key does not exist)
 * @param header    where the answer came from; {@code header.index()} is the log index of the operation
 */
public record CasResult(boolean succeeded, Optional<KeyValue> current, Header header) {
    public CasResult {
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(header, "header");
    }
}
