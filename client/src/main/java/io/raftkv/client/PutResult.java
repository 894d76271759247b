package io.raftkv.client;

/**
 * The answer to a put.
 *
 * @param version  the key's version after the put (1 if the put created it)
 * @param modIndex the log index of the put
 * @param header   where the answer came from
 */
public record PutResult(long version, long modIndex, Header header) implements TxnOpResult {
}
