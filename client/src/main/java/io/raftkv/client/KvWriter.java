package io.raftkv.client;

import com.google.protobuf.ByteString;
import java.util.concurrent.CompletableFuture;

/**
 * The write operations, shared by {@link RaftKvClient} (writes outside a session, unless the client was
 * built with {@code exactlyOnce(true)}) and {@link Session} (exactly-once writes). Each has a synchronous
 * form, which throws a {@link RaftKvException}, and an asynchronous one, whose future completes
 * exceptionally with it. String keys and values are encoded as UTF-8.
 *
 * <p>Outside a session a write that may have been applied is never retried: such a failure is an
 * {@link IndeterminateException}. In a session every retryable failure is retried and the write still
 * applies at most once.
 */
public sealed interface KvWriter permits RaftKvClient, Session {

    /** Writes {@code value} at {@code key}. */
    CompletableFuture<PutResult> putAsync(ByteString key, ByteString value);

    /** Deletes {@code key}; {@link DeleteResult#deleted()} tells whether it existed. */
    CompletableFuture<DeleteResult> deleteAsync(ByteString key);

    /**
     * Writes {@code newValue} only if the key matches {@code expected} (a version, {@link Expected#absent()},
     * or a value). A failed comparison is a result with {@code succeeded() == false}, carrying the key's
     * current state.
     */
    CompletableFuture<CasResult> compareAndSetAsync(ByteString key, Expected expected, ByteString newValue);

    /** Starts building a transaction. */
    Txn txn();

    /** Synchronous {@link #putAsync(ByteString, ByteString)}. */
    default PutResult put(ByteString key, ByteString value) {
        return Await.result(putAsync(key, value), Await.safetyOf(this));
    }

    /** Synchronous put with UTF-8 key and value. */
    default PutResult put(String key, String value) {
        return put(ByteString.copyFromUtf8(key), ByteString.copyFromUtf8(value));
    }

    /** Asynchronous put with UTF-8 key and value. */
    default CompletableFuture<PutResult> putAsync(String key, String value) {
        return putAsync(ByteString.copyFromUtf8(key), ByteString.copyFromUtf8(value));
    }

    /** Synchronous {@link #deleteAsync(ByteString)}. */
    default DeleteResult delete(ByteString key) {
        return Await.result(deleteAsync(key), Await.safetyOf(this));
    }

    /** Synchronous delete of a UTF-8 key. */
    default DeleteResult delete(String key) {
        return delete(ByteString.copyFromUtf8(key));
    }

    /** Asynchronous delete of a UTF-8 key. */
    default CompletableFuture<DeleteResult> deleteAsync(String key) {
        return deleteAsync(ByteString.copyFromUtf8(key));
    }

    /** Synchronous {@link #compareAndSetAsync(ByteString, Expected, ByteString)}. */
    default CasResult compareAndSet(ByteString key, Expected expected, ByteString newValue) {
        return Await.result(compareAndSetAsync(key, expected, newValue), Await.safetyOf(this));
    }

    /** Synchronous compare-and-set with UTF-8 key and value. */
    default CasResult compareAndSet(String key, Expected expected, String newValue) {
        return compareAndSet(ByteString.copyFromUtf8(key), expected, ByteString.copyFromUtf8(newValue));
    }

    /** Asynchronous compare-and-set with UTF-8 key and value. */
    default CompletableFuture<CasResult> compareAndSetAsync(String key, Expected expected, String newValue) {
        return compareAndSetAsync(ByteString.copyFromUtf8(key), expected, ByteString.copyFromUtf8(newValue));
    }
}
