/**
 * The raftkv Java client: embed it to read and write a raftkv cluster without caring which node leads.
 *
 * <p>Start with {@link io.raftkv.client.RaftKvClient#builder()}. The client
 * <ul>
 *   <li>learns the leader from any endpoint (following {@code NOT_LEADER} redirects), caches it, and
 *       re-discovers it when it stops answering;</li>
 *   <li>retries only the failures the server documents as retryable, with capped exponential backoff and
 *       full jitter, bounded by the call's deadline ({@code requestTimeout}) and a retry budget
 *       ({@code maxAttempts});</li>
 *   <li>never retries a write outside a session unless the server guaranteed it was not applied; when the
 *       outcome is unknown it throws {@link io.raftkv.client.IndeterminateException};</li>
 *   <li>makes writes exactly-once through a {@link io.raftkv.client.Session}: a retried write reuses its
 *       sequence number, so the cluster applies it at most once and answers the retry with the original
 *       result;</li>
 *   <li>keeps a circuit breaker per endpoint so that a dead node costs one fast failure, and spreads
 *       {@link io.raftkv.client.ReadConsistency#SERIALIZABLE} reads over the healthy nodes;</li>
 *   <li>sends puts, gets, deletes, compare-and-sets and transactions on one long-lived stream per node
 *       ({@code OpStream}), each with its own deadline, retries and errors, which saves most of HTTP/2's
 *       per-call work ({@link io.raftkv.client.RaftKvClient.Builder#batching(boolean)});</li>
 *   <li>owns all its threads and channels and releases them in {@link io.raftkv.client.RaftKvClient#close()}.</li>
 * </ul>
 *
 * <p>Errors are unchecked and form a small hierarchy rooted at {@link io.raftkv.client.RaftKvException};
 * each subclass documents when it happens and whether retrying is safe, and every exception says what
 * became of the request: {@link io.raftkv.client.RaftKvException#outcome()}, not applied or unknown (at most
 * once). A missing key is a value ({@link io.raftkv.client.GetResult#found()}), never an exception.
 * {@link io.raftkv.client.CallFailure} decodes failures of the raw gRPC stubs with the same retry table.
 */
package io.raftkv.client;
