package io.raftkv.client;

/**
 * The answer to a delete.
 *
 * @param deleted whether a key existed and was removed
 * @param header  where the answer came from; {@code header.index()} is the log index of the delete
 */
public record DeleteResult(boolean deleted, Header header) implements TxnOpResult {
}
