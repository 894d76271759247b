package io.raftkv.client;

import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.raftkv.proto.CloseSessionRequest;
import io.raftkv.proto.CloseSessionResponse;
import io.raftkv.proto.DeleteRequest;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.KeepAliveRequest;
import io.raftkv.proto.KeepAliveResponse;
import io.raftkv.proto.OpenSessionRequest;
import io.raftkv.proto.OpenSessionResponse;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.WriteContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Exactly-once writes (Raft thesis 6.3). A session is registered through the log and has an id; each write
 * carries the id and the next sequence number. The cluster applies a given (session, sequence) at most once
 * and answers a repeat of the latest one from the stored result, so this class retries every retryable
 * failure (timeouts, lost quorum, leader changes, dropped connections) with the <em>same</em> sequence
 * number and returns the original result.
 *
 * <p>Writes in a session are serialized: one request is in flight at a time (the protocol requires it), in
 * the order they were submitted. For concurrent writers, open one session each.
 *
 * <p>Keep-alive: the client sends a keep-alive through the log whenever the session has been idle for a
 * third of its ttl, so an open session does not expire while the client can reach the cluster.
 *
 * <p>Expiry: if the cluster expires the session anyway (the client was cut off for longer than the ttl),
 * the write that finds out fails with {@link SessionExpiredException}: its outcome is unknown, because an
 * earlier attempt may have been applied before the expiry. The session object stays usable: its next write
 * transparently opens a new session (new id, sequence numbers from 1). Writes answered before the expiry
 * keep their exactly-once guarantee.
 *
 * <p>If the retry budget or the deadline runs out, the write fails with {@link UnavailableException} and
 * may still be applied, at most once; the next write uses the next sequence number, and the cluster
 * refuses the old one if it arrives later.
 *
 * <p>Close the session when done ({@link #close()} asks the cluster to forget it); closing the client
 * closes its sessions.
 */
public final class Session implements KvWriter, AutoCloseable {
    /** JDK platform logging: the client forces no logging backend on the application (SLF4J users bridge it). */
    private static final System.Logger LOG = System.getLogger(Session.class.getName());

    private final ClientCore core;
    private final long ttlMillis;
    private final Runnable onClose;
    private final Object lock = new Object();
    /** The registered session id; 0 until the first write opens it, and again after it expired. */
    private long id;
    /** The last sequence number used under {@link #id}. */
    private long sequence;
    /** Completes when the last submitted write has finished: the next write starts after it. */
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
    private volatile long lastActivity;
    private Scheduler.Task keepAlive;
    private boolean closed;

    Session(ClientCore core, long ttlMillis, Runnable onClose) {
        this.core = core;
        this.ttlMillis = ttlMillis;
        this.onClose = onClose;
    }

    /** Registers the session now (otherwise the first write does). */
    CompletableFuture<Session> openAsync() {
        long deadline = core.deadlineFromNow();
        return serialized(() -> ensureOpen(deadline)).thenApply(sid -> this);
    }

    /** The current session id, or 0 while none is registered (before the first write, after an expiry). */
    public long id() {
        synchronized (lock) {
            return id;
        }
    }

    @Override
    public CompletableFuture<PutResult> putAsync(ByteString key, ByteString value) {
        return write("put", KVGrpc.getPutMethod(),
                ctx -> PutRequest.newBuilder().setKey(key).setValue(value).setContext(ctx).build(), Wire::put);
    }

    @Override
    public CompletableFuture<DeleteResult> deleteAsync(ByteString key) {
        return write("delete", KVGrpc.getDeleteMethod(),
                ctx -> DeleteRequest.newBuilder().setKey(key).setContext(ctx).build(), Wire::delete);
    }

    @Override
    public CompletableFuture<CasResult> compareAndSetAsync(ByteString key, Expected expected, ByteString newValue) {
        return write("compare-and-set", KVGrpc.getCompareAndSetMethod(),
                ctx -> Wire.cas(key, expected, newValue).setContext(ctx).build(), Wire::cas);
    }

    @Override
    public Txn txn() {
        return new Txn(b -> write("txn", KVGrpc.getTxnMethod(), ctx -> b.setContext(ctx).build(), Wire::txn),
                Call.Safety.SESSION_WRITE);
    }

    private <Req, Resp, R> CompletableFuture<R> write(String what, MethodDescriptor<Req, Resp> method,
                                                      Function<WriteContext, Req> build, Function<Resp, R> answer) {
        // The deadline counts from submission: time spent queued behind earlier writes is part of it.
        long deadline = core.deadlineFromNow();
        return serialized(() -> ensureOpen(deadline).thenCompose(sid -> {
            long seq;
            synchronized (lock) {
                seq = ++sequence;
            }
            lastActivity = core.time().nanoTime();
            Req req = build.apply(WriteContext.newBuilder().setSessionId(sid).setSequence(seq).build());
            return core.call(new Call.Spec<>(what, method, req, Call.Route.LEADER, Call.Safety.SESSION_WRITE, sid), deadline)
                    .whenComplete((r, t) -> {
                        if (t != null && Await.unwrap(t) instanceof SessionExpiredException) {
                            expired(sid);
                        }
                    });
        })).thenApply(answer);
    }

    /** Runs {@code step} after every earlier write of this session has finished, one at a time. */
    private <T> CompletableFuture<T> serialized(Supplier<CompletableFuture<T>> step) {
        CompletableFuture<T> out = new CompletableFuture<>();
        CompletableFuture<?> prev;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the session is closed");
            }
            prev = tail;
            tail = out.handle((r, t) -> null);
        }
        prev.whenComplete((ignored, ignoredError) -> {
            try {
                step.get().whenComplete((r, t) -> {
                    if (t != null) {
                        out.completeExceptionally(Await.unwrap(t));
                    } else {
                        out.complete(r);
                    }
                });
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** The registered id, registering a new session first if there is none (only ever called serialized). */
    private CompletableFuture<Long> ensureOpen(long deadline) {
        synchronized (lock) {
            if (id != 0) {
                return CompletableFuture.completedFuture(id);
            }
        }
        // A duplicate registration (a retried OpenSession whose first attempt also committed) only leaves an
        // unused session behind, which the cluster expires after its ttl: retrying is harmless.
        OpenSessionRequest req = OpenSessionRequest.newBuilder().setTtlMillis(ttlMillis).build();
        return core.call(new Call.Spec<>("open-session", KVGrpc.getOpenSessionMethod(), req, Call.Route.LEADER, Call.Safety.IDEMPOTENT, 0),
                deadline).thenApply(this::opened);
    }

    private long opened(OpenSessionResponse r) {
        boolean start;
        synchronized (lock) {
            id = r.getSessionId();
            sequence = 0;
            start = keepAlive == null && !closed;
            if (start) {
                long period = TimeUnit.MILLISECONDS.toNanos(Math.max(1, r.getTtlMillis() == 0 ? ttlMillis : r.getTtlMillis()) / 3);
                keepAlive = core.scheduler().scheduleEvery(this::keepAliveIfIdle, Math.max(period, 1));
            }
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "session " + r.getSessionId() + " opened (ttl " + r.getTtlMillis() + " ms)");
        lastActivity = core.time().nanoTime();
        return r.getSessionId();
    }

    private void expired(long sid) {
        synchronized (lock) {
            if (id == sid) {
                LOG.log(System.Logger.Level.INFO, () -> "session " + sid + " expired; the next write opens a new one");
                id = 0;
                sequence = 0;
            }
        }
    }

    private void keepAliveIfIdle() {
        try {
            keepAliveNow();
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again: log instead, so the session stays alive.
            LOG.log(System.Logger.Level.WARNING, "keep-alive of session " + id() + " failed unexpectedly", e);
        }
    }

    private void keepAliveNow() {
        long sid;
        synchronized (lock) {
            sid = closed ? 0 : id;
        }
        long idleFor = core.time().nanoTime() - lastActivity;
        if (sid == 0 || core.isClosed() || idleFor < TimeUnit.MILLISECONDS.toNanos(ttlMillis) / 3) {
            return;
        }
        lastActivity = core.time().nanoTime();
        KeepAliveRequest req = KeepAliveRequest.newBuilder().setSessionId(sid).build();
        try {
            core.call(new Call.Spec<KeepAliveRequest, KeepAliveResponse>("keep-alive", KVGrpc.getKeepAliveMethod(), req,
                    Call.Route.LEADER, Call.Safety.IDEMPOTENT, sid)).whenComplete((r, t) -> {
                        if (t == null) {
                            return;
                        }
                        if (Await.unwrap(t) instanceof SessionExpiredException) {
                            expired(sid);
                        } else {
                            LOG.log(System.Logger.Level.DEBUG, () -> "keep-alive of session " + sid + " failed: " + t);
                        }
                    });
        } catch (IllegalStateException clientClosed) {
            // The client closed between the check and the call: nothing to keep alive.
        }
    }

    /**
     * Waits for this session's queued writes, then asks the cluster to forget the session (best effort,
     * within the request timeout: an unreachable cluster expires it after its ttl). Idempotent.
     */
    @Override
    public void close() {
        CompletableFuture<?> pending;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (keepAlive != null) {
                keepAlive.cancel();
            }
            pending = tail;
        }
        try {
            long deadline = core.deadlineFromNow();
            pending.handle((r, t) -> null).get(core.config().requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            long sid = id();
            if (sid != 0 && !core.isClosed()) {
                CloseSessionRequest req = CloseSessionRequest.newBuilder().setSessionId(sid).build();
                core.call(new Call.Spec<CloseSessionRequest, CloseSessionResponse>("close-session",
                        KVGrpc.getCloseSessionMethod(), req, Call.Route.LEADER, Call.Safety.IDEMPOTENT, sid), deadline)
                        .handle((r, t) -> null).get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "closing session " + id() + " failed (it will expire on its own): " + e);
        } finally {
            onClose.run();
        }
    }

    @Override
    public String toString() {
        return "Session[" + id() + "]";
    }
}
