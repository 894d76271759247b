package io.raftkv.client;

import io.raftkv.proto.TxnRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Builds an etcd-style transaction: if every {@link Compare} holds, the {@code then} operations run,
 * otherwise the {@code otherwise} operations, atomically, as one log entry.
 *
 * <pre>{@code
 * TxnResult r = client.txn()
 *         .when(Compare.version("config", CompareOp.EQUAL, 3))
 *         .then(TxnOp.put("config", "v4"), TxnOp.delete("config.lock"))
 *         .otherwise(TxnOp.range(ByteString.copyFromUtf8("config"), ByteString.EMPTY, 1))
 *         .commit();
 * }</pre>
 *
 * <p>A transaction is a write: outside a session it follows the no-blind-retry rule (see
 * {@link IndeterminateException}); from {@link Session#txn()} it is exactly-once. A builder is not
 * thread-safe and may be committed more than once (each commit is a new transaction).
 */
public final class Txn {
    private final Function<TxnRequest.Builder, CompletableFuture<TxnResult>> runner;
    private final Call.Safety safety;
    private final List<Compare> compares = new ArrayList<>();
    private final List<TxnOp> success = new ArrayList<>();
    private final List<TxnOp> failure = new ArrayList<>();

    Txn(Function<TxnRequest.Builder, CompletableFuture<TxnResult>> runner, Call.Safety safety) {
        this.runner = runner;
        this.safety = safety;
    }

    /** Adds conditions; all must hold for the {@code then} branch to run. */
    public Txn when(Compare... conditions) {
        compares.addAll(Arrays.asList(conditions));
        return this;
    }

    /** Adds operations to run when every condition holds. */
    public Txn then(TxnOp... ops) {
        success.addAll(Arrays.asList(ops));
        return this;
    }

    /** Adds operations to run when some condition fails. */
    public Txn otherwise(TxnOp... ops) {
        failure.addAll(Arrays.asList(ops));
        return this;
    }

    /** Sends the transaction; see {@link KvWriter} for the retry rule of writes in and outside a session. */
    public CompletableFuture<TxnResult> commitAsync() {
        return runner.apply(Wire.txn(compares, success, failure));
    }

    /** Synchronous {@link #commitAsync()}. */
    public TxnResult commit() {
        return Await.result(commitAsync(), safety);
    }
}
