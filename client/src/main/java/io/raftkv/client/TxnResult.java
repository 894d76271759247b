package io.raftkv.client;

import java.util.List;

/**
 * The answer to a transaction.
 *
 * @param succeeded whether every comparison held (so the success branch ran; otherwise the failure branch)
 * @param results   one result per operation of the branch that ran, in order
 * @param header    where the answer came from; {@code header.index()} is the log index of the transaction
 */
public record TxnResult(boolean succeeded, List<TxnOpResult> results, Header header) {
    public TxnResult {
        results = List.copyOf(results);
    }
}
