package io.raftkv.client;

/** The result of one operation inside a transaction, in the order the operations were given. */
public sealed interface TxnOpResult permits PutResult, DeleteResult, RangeResult {
}
