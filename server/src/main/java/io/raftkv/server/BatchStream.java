package io.raftkv.server;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.BatchError;
import io.raftkv.proto.BatchOp;
import io.raftkv.proto.BatchRequest;
import io.raftkv.proto.BatchResponse;
import io.raftkv.proto.BatchResult;
import io.raftkv.proto.CompareAndSetResponse;
import io.raftkv.proto.DeleteResponse;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.TxnResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * One client's KV.Batch stream: each op is served exactly as its unary method (the same {@link KvService}
 * code, the auth gate's checks per op, the same errors), and the answers go back in as few messages as the
 * threads completing them allow ({@link FlushScope}). What the stream saves is the per-call HTTP/2 work:
 * headers, stream setup and trailers for every request cost the leader's event loops more CPU than Raft.
 *
 * <p>Bounded: at most {@link #MAX_IN_FLIGHT} unanswered ops per stream; beyond that an op is refused with
 * OVERLOADED (not applied) at once. The gRPC message size cap bounds a request message's bytes, and the
 * node's admission control bounds the bytes it proposes, as for unary calls. Answers the client does not
 * read do not pile up here: the next request message is read only while the stream is ready for more
 * answers (gRPC's flow control then pushes back on the client).
 */
final class BatchStream implements StreamObserver<BatchRequest> {
    static final int MAX_IN_FLIGHT = 4096;
    private static final String PUT = KVGrpc.getPutMethod().getFullMethodName();
    private static final String GET = KVGrpc.getGetMethod().getFullMethodName();
    private static final String DELETE = KVGrpc.getDeleteMethod().getFullMethodName();
    private static final String CAS = KVGrpc.getCompareAndSetMethod().getFullMethodName();
    private static final String TXN = KVGrpc.getTxnMethod().getFullMethodName();

    private final KvService kv;
    private final AuthGate gate;
    private final ServerMetrics metrics;
    private final ServerCallStreamObserver<BatchResponse> out;
    /** The node's open streams (for shutdown): this one is in it from construction until it ends. */
    private final Set<BatchStream> open;
    /** Guards everything below, and serializes the sends (a stream observer is not thread-safe). */
    private final Object lock = new Object();
    private BatchResponse.Builder pending = BatchResponse.newBuilder();
    private int inFlight;
    /** No more ops: the client half-closed, or the server is shutting down. The stream ends when inFlight is 0. */
    private boolean closing;
    /** The stream ended (completed, or cancelled by the client): answers are dropped. */
    private boolean done;
    /** A request message is held back until the client reads answers (gRPC's callback threads only). */
    private boolean awaitingReady;

    BatchStream(KvService kv, AuthGate gate, ServerMetrics metrics, ServerCallStreamObserver<BatchResponse> out,
                Set<BatchStream> open) {
        this.kv = kv;
        this.gate = gate;
        this.metrics = metrics;
        this.out = out;
        this.open = open;
        // Set, so that an answer after a cancel is dropped instead of throwing at the thread that completes it.
        out.setOnCancelHandler(this::cancelled);
        out.disableAutoRequest();
        out.setOnReadyHandler(this::onReady);
        open.add(this);
        out.request(1);
    }

    @Override
    public void onNext(BatchRequest request) {
        FlushScope.begin();
        try {
            for (BatchOp op : request.getOpsList()) {
                dispatch(op);
            }
        } finally {
            FlushScope.end();
        }
        // onNext and onReady run serialized on the call's executor: no lock needed for awaitingReady.
        if (out.isReady()) {
            out.request(1);
        } else {
            awaitingReady = true;
        }
    }

    /** The client has read enough answers: read its next request message if one was held back. */
    private void onReady() {
        if (awaitingReady) {
            awaitingReady = false;
            out.request(1);
        }
    }

    @Override
    public void onError(Throwable t) {
        cancelled();
    }

    @Override
    public void onCompleted() {
        close();
    }

    /** No more ops are taken; the stream completes once every op taken is answered. */
    void close() {
        synchronized (lock) {
            closing = true;
        }
        flush();
    }

    private void cancelled() {
        synchronized (lock) {
            done = true;
        }
        open.remove(this);
    }

    private void dispatch(BatchOp op) {
        long start = System.nanoTime();
        String method = methodOf(op);
        NodeException refused = admit();
        CompletableFuture<? extends Message> answer;
        if (refused != null) {
            answer = CompletableFuture.failedFuture(refused);
        } else {
            try {
                answer = serve(op, new KvService.Caller(gate.checkOp(requestOf(op), op.getToken()), timeoutOf(op)));
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
        }
        answer.whenComplete(new Answer(op.getId(), method, start, refused == null));
    }

    private NodeException admit() {
        synchronized (lock) {
            if (closing || done) {
                return NodeException.of(ErrorDetail.Code.NOT_READY, "this stream is closing (the node is shutting "
                        + "down or the client half-closed): not applied; retry on a new stream");
            }
            if (inFlight >= MAX_IN_FLIGHT) {
                return NodeException.of(ErrorDetail.Code.OVERLOADED, "this batch stream already has " + MAX_IN_FLIGHT
                        + " unanswered ops (max-batch-in-flight): not applied; back off");
            }
            inFlight++;
            return null;
        }
    }

    private CompletableFuture<? extends Message> serve(BatchOp op, KvService.Caller caller) {
        return switch (op.getRequestCase()) {
            case PUT -> kv.put(op.getPut(), caller);
            case GET -> kv.get(op.getGet(), caller);
            case DELETE -> kv.delete(op.getDelete(), caller);
            case COMPARE_AND_SET -> kv.compareAndSet(op.getCompareAndSet(), caller);
            case TXN -> kv.txn(op.getTxn(), caller);
            case REQUEST_NOT_SET -> throw unknownOp(op);
        };
    }

    private static Message requestOf(BatchOp op) {
        return switch (op.getRequestCase()) {
            case PUT -> op.getPut();
            case GET -> op.getGet();
            case DELETE -> op.getDelete();
            case COMPARE_AND_SET -> op.getCompareAndSet();
            case TXN -> op.getTxn();
            case REQUEST_NOT_SET -> throw unknownOp(op);
        };
    }

    private static String methodOf(BatchOp op) {
        return switch (op.getRequestCase()) {
            case PUT -> PUT;
            case GET -> GET;
            case DELETE -> DELETE;
            case COMPARE_AND_SET -> CAS;
            case TXN -> TXN;
            case REQUEST_NOT_SET -> KVGrpc.getBatchMethod().getFullMethodName();
        };
    }

    private static NodeException unknownOp(BatchOp op) {
        return NodeException.invalid("batch-op", 0, 0, "batch op " + op.getId() + " carries no request this server "
                + "knows (a newer client?): send it as a unary call (not applied)");
    }

    private static Duration timeoutOf(BatchOp op) {
        return op.getTimeoutMicros() == 0 ? null : Duration.ofNanos(Math.multiplyExact(op.getTimeoutMicros(), 1_000L));
    }

    /** Queues one op's answer; the stream is flushed at once, or when this thread's {@link FlushScope} ends. */
    private void answered(BatchResult result, String method, Status.Code code, long start, boolean counted) {
        metrics.rpcHandled(method, code, start);
        synchronized (lock) {
            pending.addResults(result);
            if (counted) {
                inFlight--;
            }
        }
        if (!FlushScope.defer(this)) {
            flush();
        }
    }

    /** Sends what is queued as one message; completes the stream once it is closing and nothing is unanswered. */
    void flush() {
        boolean ended = false;
        synchronized (lock) {
            if (done) {
                return;
            }
            if (pending.getResultsCount() > 0) {
                BatchResponse message = pending.build();
                pending = BatchResponse.newBuilder();
                out.onNext(message);
            }
            if (closing && inFlight == 0) {
                done = true;
                ended = true;
                out.onCompleted();
            }
        }
        if (ended) {
            open.remove(this);
        }
    }

    /** Completes one op: its response, or the error its unary call would have ended with. */
    private final class Answer implements BiConsumer<Message, Throwable> {
        private final long id;
        private final String method;
        private final long start;
        private final boolean counted;

        Answer(long id, String method, long start, boolean counted) {
            this.id = id;
            this.method = method;
            this.start = start;
            this.counted = counted;
        }

        @Override
        public void accept(Message response, Throwable failure) {
            BatchResult.Builder r = BatchResult.newBuilder().setId(id);
            Status.Code code = Status.Code.OK;
            if (failure != null) {
                StatusRuntimeException s = GrpcErrors.toStatus(failure);
                code = s.getStatus().getCode();
                BatchError.Builder e = BatchError.newBuilder().setCode(code.value());
                if (s.getStatus().getDescription() != null) {
                    e.setMessage(s.getStatus().getDescription());
                }
                ErrorDetail d = s.getTrailers() == null ? null : s.getTrailers().get(GrpcErrors.DETAIL_KEY);
                if (d != null) {
                    e.setDetail(d);
                }
                r.setError(e);
            } else if (response instanceof PutResponse p) {
                r.setPut(p);
            } else if (response instanceof GetResponse g) {
                r.setGet(g);
            } else if (response instanceof DeleteResponse d) {
                r.setDelete(d);
            } else if (response instanceof CompareAndSetResponse c) {
                r.setCompareAndSet(c);
            } else {
                r.setTxn((TxnResponse) response);
            }
            answered(r.build(), method, code, start, counted);
        }
    }
}
