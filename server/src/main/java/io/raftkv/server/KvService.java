package io.raftkv.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.BatchRequest;
import io.raftkv.proto.BatchResponse;
import io.raftkv.proto.CloseSessionRequest;
import io.raftkv.proto.CloseSessionResponse;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.CompareAndSetResponse;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.DeleteRequest;
import io.raftkv.proto.DeleteResponse;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.KeepAliveRequest;
import io.raftkv.proto.KeepAliveResponse;
import io.raftkv.proto.OpenSessionRequest;
import io.raftkv.proto.OpenSessionResponse;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.ResponseHeader;
import io.raftkv.proto.ScanRequest;
import io.raftkv.proto.ScanResponse;
import io.raftkv.proto.TxnRequest;
import io.raftkv.proto.TxnResponse;
import io.raftkv.proto.WriteContext;
import io.raftkv.storage.Applied;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.Command;
import io.raftkv.storage.KeyRange;
import io.raftkv.storage.KeyValue;
import io.raftkv.storage.Request;
import io.raftkv.storage.Result;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The client API. Writes go through the log; linearizable reads wait for a ReadIndex barrier on the
 * leader; serializable reads read the local replica. On a follower, writes and linearizable reads fail
 * with NOT_LEADER carrying the leader's client address (redirect, not forwarding: the client library
 * learns the leader once and talks to it directly).
 */
final class KvService extends KVGrpc.KVImplBase {
    private static final Duration DEFAULT_SESSION_TTL = Duration.ofSeconds(60);
    private static final Duration MAX_SESSION_TTL = Duration.ofDays(1);

    private final RaftNode node;
    private final RequestValidator validate;
    private final AuthGate gate;
    private final ServerMetrics metrics;
    /** Open batch streams: shutdown ends them, as it lets unary calls finish. */
    private final Set<BatchStream> batches = ConcurrentHashMap.newKeySet();

    KvService(RaftNode node, ServerConfig.Limits limits, AuthGate gate, ServerMetrics metrics) {
        this.node = node;
        this.validate = new RequestValidator(limits);
        this.gate = gate;
        this.metrics = metrics;
    }

    // ------------------------------------------------------------------ the batch stream

    @Override
    public StreamObserver<BatchRequest> batch(StreamObserver<BatchResponse> out) {
        return new BatchStream(this, gate, metrics, (ServerCallStreamObserver<BatchResponse>) out, batches);
    }

    /**
     * Takes no more ops on any batch stream and ends each once its ops are answered: without this a graceful
     * shutdown would wait for streams that never end by themselves. Call after the node has stopped taking
     * requests (its in-flight ones fail with a retryable error, so every op gets an answer).
     */
    void closeBatches() {
        for (BatchStream b : List.copyOf(batches)) {
            b.close();
        }
    }

    // ------------------------------------------------------------------ writes

    @Override
    public void put(PutRequest req, StreamObserver<PutResponse> out) {
        serve(out, () -> put(req, Caller.current()));
    }

    CompletableFuture<PutResponse> put(PutRequest req, Caller caller) {
        validate.request(req);
        validate.key(req.getKey(), "key");
        validate.value(req.getValue());
        return write(caller, req.getContext(), new Command.Put(bytes(req.getKey()), bytes(req.getValue())), a -> {
            Result.Written w = expect(a, Result.Written.class);
            return PutResponse.newBuilder().setHeader(header(a.index())).setVersion(w.version())
                    .setModIndex(w.modIndex()).build();
        });
    }

    @Override
    public void delete(DeleteRequest req, StreamObserver<DeleteResponse> out) {
        serve(out, () -> delete(req, Caller.current()));
    }

    CompletableFuture<DeleteResponse> delete(DeleteRequest req, Caller caller) {
        validate.request(req);
        validate.key(req.getKey(), "key");
        return write(caller, req.getContext(), new Command.Delete(bytes(req.getKey())), a -> DeleteResponse.newBuilder()
                .setHeader(header(a.index())).setDeleted(expect(a, Result.Deleted.class).count() > 0).build());
    }

    @Override
    public void compareAndSet(CompareAndSetRequest req, StreamObserver<CompareAndSetResponse> out) {
        serve(out, () -> compareAndSet(req, Caller.current()));
    }

    CompletableFuture<CompareAndSetResponse> compareAndSet(CompareAndSetRequest req, Caller caller) {
        validate.request(req);
        validate.key(req.getKey(), "key");
        validate.value(req.getNewValue());
        Bytes key = bytes(req.getKey());
        Bytes value = bytes(req.getNewValue());
        io.raftkv.storage.Compare cmp = switch (req.getExpectedCase()) {
            case EXPECTED_VERSION -> new io.raftkv.storage.Compare.Version(key, io.raftkv.storage.Compare.Cmp.EQUAL,
                    req.getExpectedVersion());
            case EXPECTED_VALUE -> {
                validate.value(req.getExpectedValue());
                yield new io.raftkv.storage.Compare.Value(key, io.raftkv.storage.Compare.Cmp.EQUAL,
                        bytes(req.getExpectedValue()));
            }
            case EXPECTED_NOT_SET -> throw NodeException.invalid("expected", 1, 0,
                    "compare-and-set needs expected_version (0 = absent) or expected_value");
        };
        // Read the key back in the same transaction, so the answer carries its state either way.
        Command.Range readBack = new Command.Range(KeyRange.single(key), 1);
        Command.Txn txn = new Command.Txn(List.of(cmp), List.of(new Command.Put(key, value), readBack), List.of(readBack));
        return write(caller, req.getContext(), txn, a -> {
            Result.TxnResult t = expect(a, Result.TxnResult.class);
            Result.RangeResult r = (Result.RangeResult) t.results().get(t.results().size() - 1);
            CompareAndSetResponse.Builder b = CompareAndSetResponse.newBuilder().setHeader(header(a.index()))
                    .setSucceeded(t.succeeded()).setFound(!r.kvs().isEmpty());
            if (!r.kvs().isEmpty()) {
                b.setKv(Wire.kv(r.kvs().get(0)));
            }
            return b.build();
        });
    }

    @Override
    public void txn(TxnRequest req, StreamObserver<TxnResponse> out) {
        serve(out, () -> txn(req, Caller.current()));
    }

    CompletableFuture<TxnResponse> txn(TxnRequest req, Caller caller) {
        validate.request(req);
        validate.txnSize(req.getComparesCount() + req.getSuccessCount() + req.getFailureCount());
        Command.Txn txn = TxnMapper.toCommand(req, validate);
        return write(caller, req.getContext(), txn, a -> TxnMapper.toResponse(expect(a, Result.TxnResult.class),
                header(a.index())));
    }

    // ------------------------------------------------------------------ sessions

    @Override
    public void openSession(OpenSessionRequest req, StreamObserver<OpenSessionResponse> out) {
        serve(out, () -> {
            long ttl = req.getTtlMillis() == 0 ? DEFAULT_SESSION_TTL.toMillis() : req.getTtlMillis();
            if (ttl > MAX_SESSION_TTL.toMillis()) {
                throw NodeException.invalid("max-session-ttl-millis", MAX_SESSION_TTL.toMillis(), ttl,
                        "session ttl " + ttl + " ms exceeds the maximum of " + MAX_SESSION_TTL.toMillis() + " ms");
            }
            return node.propose(gate.authorized(Request.of(new Command.OpenSession(ttl, System.currentTimeMillis()))), timeout())
                    .thenApply(a -> OpenSessionResponse.newBuilder().setHeader(header(a.index()))
                            .setSessionId(expect(a, Result.SessionOpened.class).sessionId()).setTtlMillis(ttl).build());
        });
    }

    @Override
    public void keepAlive(KeepAliveRequest req, StreamObserver<KeepAliveResponse> out) {
        serve(out, () -> node.propose(gate.authorized(Request.of(new Command.KeepAlive(req.getSessionId(),
                        System.currentTimeMillis()))), timeout())
                .thenApply(a -> {
                    expect(a, Result.Done.class);
                    return KeepAliveResponse.newBuilder().setHeader(header(a.index())).build();
                }));
    }

    @Override
    public void closeSession(CloseSessionRequest req, StreamObserver<CloseSessionResponse> out) {
        serve(out, () -> node.propose(gate.authorized(Request.of(new Command.CloseSession(req.getSessionId()))), timeout())
                .thenApply(a -> {
                    expect(a, Result.Done.class);
                    return CloseSessionResponse.newBuilder().setHeader(header(a.index())).build();
                }));
    }

    // ------------------------------------------------------------------ reads

    @Override
    public void get(GetRequest req, StreamObserver<GetResponse> out) {
        serve(out, () -> get(req, Caller.current()));
    }

    CompletableFuture<GetResponse> get(GetRequest req, Caller caller) {
        validate.request(req);
        validate.key(req.getKey(), "key");
        return readAt(caller, validate.consistency(req.getConsistency()), applied -> {
            Optional<KeyValue> kv = node.store().stateMachine().get(bytes(req.getKey()));
            GetResponse.Builder b = GetResponse.newBuilder().setHeader(header(applied)).setFound(kv.isPresent());
            kv.ifPresent(v -> b.setKv(Wire.kv(v)));
            return b.build();
        });
    }

    @Override
    public void scan(ScanRequest req, StreamObserver<ScanResponse> out) {
        serve(out, () -> {
            validate.request(req);
            int limit = validate.scanLimit(req.getLimit());
            KeyRange range = Wire.scanRange(req, validate);
            return readAt(Caller.current(), validate.consistency(req.getConsistency()), applied -> {
                Result.RangeResult r = node.store().stateMachine().range(range, limit);
                ScanResponse.Builder b = ScanResponse.newBuilder().setHeader(header(applied));
                r.kvs().forEach(kv -> b.addKvs(Wire.kv(kv)));
                if (r.more() && !r.kvs().isEmpty()) {
                    b.setNextPageToken(Wire.pageToken(r.kvs().get(r.kvs().size() - 1).key()));
                }
                return b.build();
            });
        });
    }

    private <T> CompletableFuture<T> readAt(Caller caller, Consistency c, Function<Long, T> unchecked) {
        // Reads never reach apply's revision check: refuse one whose permissions changed while it was served.
        long authRevision = gate.revision(caller.principal());
        Function<Long, T> read = applied -> {
            T answer = unchecked.apply(applied);
            gate.recheck(authRevision);
            return answer;
        };
        if (c == Consistency.SERIALIZABLE) {
            NodeException gone = node.outOfService();
            if (gone != null) {
                return CompletableFuture.failedFuture(gone);
            }
            // Local replica, no quorum needed: stays available on a minority side (possibly stale).
            return CompletableFuture.completedFuture(read.apply(node.store().stateMachine().appliedIndex()));
        }
        return node.readBarrier(caller.timeout()).thenApply(read);
    }

    // ------------------------------------------------------------------ plumbing

    private <T> CompletableFuture<T> write(Caller caller, WriteContext ctx, Command command, Function<Applied, T> answer) {
        Request r = ctx.getSessionId() == 0 ? Request.of(command)
                : Request.inSession(ctx.getSessionId(), ctx.getSequence(), command);
        return node.propose(gate.authorized(r, caller.principal()), caller.timeout()).thenApply(answer);
    }

    /**
     * Who sent a request and how long it may take: from the gRPC call's context for a unary call, from the op
     * for one in a batch stream ({@link BatchStream}).
     *
     * @param principal who the auth gate checked, or null if the request passed unchecked (auth off)
     * @param timeout   the request's remaining time, or null: the server's default
     */
    record Caller(AuthGate.Principal principal, Duration timeout) {
        static Caller current() {
            return new Caller(AuthGate.caller(), KvService.timeout());
        }
    }

    /** Maps an applied result to the expected type, or to the typed error its rejection stands for. */
    static <R extends Result> R expect(Applied a, Class<R> type) {
        Result r = a.result();
        if (type.isInstance(r)) {
            return type.cast(r);
        }
        if (r instanceof Result.Rejected rej) {
            throw switch (rej.reason()) {
                case UNKNOWN_SESSION -> NodeException.of(ErrorDetail.Code.SESSION_EXPIRED, rej.detail()
                        + " (expired or never opened): open a new session; the outcome of this request is unknown");
                case STALE_SEQUENCE -> NodeException.of(ErrorDetail.Code.STALE_SEQUENCE, rej.detail());
                case MALFORMED_COMMAND -> NodeException.of(ErrorDetail.Code.INVALID, rej.detail());
                case AUTH_STALE -> NodeException.of(ErrorDetail.Code.AUTH_STALE, rej.detail() + " (not applied)");
                case AUTH_REFUSED -> NodeException.invalid("auth", 0, 0, rej.detail());
                case NOT_SESSION_OWNER -> NodeException.of(ErrorDetail.Code.PERMISSION_DENIED, rej.detail() + " (not applied)");
            };
        }
        Request req = a.request();
        if (req != null && req.sessionId() != 0) {
            // Only a repeated sequence number gets here: the session answered with what it stored for an earlier,
            // different request. Its content (values a transaction read) must not reach the message or the log.
            throw NodeException.of(ErrorDetail.Code.STALE_SEQUENCE, "sequence " + req.sequence() + " of session "
                    + req.sessionId() + " already answered a different request (stored: " + r.getClass().getSimpleName()
                    + ", this request expects " + type.getSimpleName() + "); a new request needs a new sequence number "
                    + "(not applied)");
        }
        throw new IllegalStateException("applied entry " + a.index() + " produced a " + r.getClass().getSimpleName()
                + ", expected " + type.getSimpleName());
    }

    private ResponseHeader header(long index) {
        RaftNode.NodeStatus s = node.status();
        return ResponseHeader.newBuilder().setMemberId(s.id()).setTerm(s.term()).setIndex(index).build();
    }

    private static Duration timeout() {
        Deadline d = Context.current().getDeadline();
        return d == null ? null : Duration.ofNanos(Math.max(1, d.timeRemaining(TimeUnit.NANOSECONDS)));
    }

    /** One copy out of the request (toByteArray), owned from then on: the write path copied each value twice here. */
    static Bytes bytes(ByteString b) {
        return Bytes.adopt(b.toByteArray());
    }

    /** No copy: the response shares the stored value's array, which nobody mutates. */
    static ByteString bytes(Bytes b) {
        return b.isEmpty() ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(b.asReadOnlyBuffer());
    }

    private interface Call<T> {
        CompletableFuture<T> start();
    }

    private static <T> void serve(StreamObserver<T> out, Call<T> call) {
        CompletableFuture<T> f;
        try {
            f = call.start();
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.toStatus(e));
            return;
        }
        f.whenComplete((v, t) -> {
            if (t != null) {
                out.onError(GrpcErrors.toStatus(t));
            } else {
                out.onNext(v);
                out.onCompleted();
            }
        });
    }
}
