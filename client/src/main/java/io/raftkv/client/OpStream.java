package io.raftkv.client;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.raftkv.proto.BatchError;
import io.raftkv.proto.BatchOp;
import io.raftkv.proto.BatchRequest;
import io.raftkv.proto.BatchResponse;
import io.raftkv.proto.BatchResult;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.DeleteRequest;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.TxnRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One endpoint's KV.Batch stream: it carries the attempts of puts, gets, deletes, compare-and-sets and
 * transactions, so that a busy client pays HTTP/2's per-call work (headers, stream setup, trailers) once per
 * stream instead of once per request; on the leader that work cost more CPU than Raft. An attempt on the
 * stream means what a unary attempt means: the same deadline (the op carries it), the same errors, and the
 * same rule for what "may have been applied" ({@link Failure#mayApply}).
 *
 * <p>Sending: whoever finds the stream free sends every op queued so far as one message (ops that arrive
 * while a message is being written ride in the next), so concurrent callers batch without a thread of
 * their own. Answers come back by id in any order.
 *
 * <p>Falls back to unary calls (the op is not sent here: {@link #offer} is false) for a request bigger than
 * {@link #MAX_OP_BYTES}, with {@link #MAX_PENDING} ops or {@link #MAX_PENDING_BYTES} unanswered, and for
 * {@link #RETRY_UNSUPPORTED_NANOS} on a node that does not know the method (UNIMPLEMENTED: an older server).
 * Lanes: each gRPC stream is a {@link Lane}; when one fails its
 * ops fail with its status, and the next op opens a new one. A lane idle for {@link #IDLE_NANOS} is closed,
 * so an idle client lets its connections go idle.
 */
final class OpStream {
    /** Requests bigger than this go as unary calls: one large value must not hold up the small ones behind it. */
    static final int MAX_OP_BYTES = 64 << 10;
    /** A message is closed once it holds this many bytes of ops. */
    static final int MAX_MESSAGE_BYTES = 256 << 10;
    /** Unanswered ops per stream (the server's own bound is the same); more go as unary calls. */
    static final int MAX_PENDING = 4096;
    /** Bytes of unanswered ops per stream: what gRPC may buffer for it while the network is slow. */
    static final long MAX_PENDING_BYTES = 8 << 20;
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** How long a node that answered UNIMPLEMENTED is sent unary calls before the stream is tried again. */
    static final long RETRY_UNSUPPORTED_NANOS = TimeUnit.MINUTES.toNanos(5);

    /** What an op's attempt hears back; called once, on the client's executor or the timer thread (deadlines). */
    interface Waiter {
        void answered(Object response);

        /** The attempt failed: {@code mayHaveLeft} false when the op provably never reached a node. */
        void failed(Throwable t, boolean mayHaveLeft);

        /** The stream could not carry the op after all (an older node, a lane closed before it was sent): send it unary. */
        void sendUnary();
    }

    private final Endpoint endpoint;
    private final ClientCore core;
    private final AtomicLong ids = new AtomicLong();
    /**
     * Set when the node answered UNIMPLEMENTED (an older version): ops to it go unary until
     * {@link #unsupportedUntil}, then the stream is tried again (a rolling upgrade ends with every client on it).
     */
    private volatile boolean unsupported;
    private volatile long unsupportedUntil;
    private Lane lane;

    OpStream(Endpoint endpoint, ClientCore core) {
        this.endpoint = endpoint;
        this.core = core;
    }

    /**
     * Sends {@code request} on the stream, answered through {@code waiter}; false if it must go as a unary call
     * instead (a request type the stream does not carry, or see above; nothing was sent, the waiter hears nothing).
     */
    boolean offer(Object request, long timeoutNanos, String token, Waiter waiter) {
        if (unsupported && core.time().nanoTime() - unsupportedUntil < 0) {
            return false;
        }
        BatchOp.Builder op = BatchOp.newBuilder();
        if (!wrap(request, op) || ((Message) request).getSerializedSize() > MAX_OP_BYTES) {
            return false;
        }
        Lane l = lane();
        return l != null && l.offer(op, timeoutNanos, token, waiter);
    }

    /** Sets {@code request} as {@code op}'s request; false for a request type the stream does not carry. */
    private static boolean wrap(Object request, BatchOp.Builder op) {
        if (request instanceof PutRequest r) {
            op.setPut(r);
        } else if (request instanceof GetRequest r) {
            op.setGet(r);
        } else if (request instanceof DeleteRequest r) {
            op.setDelete(r);
        } else if (request instanceof CompareAndSetRequest r) {
            op.setCompareAndSet(r);
        } else if (request instanceof TxnRequest r) {
            op.setTxn(r);
        } else {
            return false;
        }
        return true;
    }

    private synchronized Lane lane() {
        if (lane == null || lane.closed) {
            try {
                lane = new Lane();
            } catch (IllegalStateException endpointClosed) {
                return null;
            }
        }
        return lane;
    }

    private synchronized void laneEnded(Lane l) {
        if (lane == l) {
            lane = null;
        }
    }

    /** One op on a lane. */
    private static final class Op {
        final long id;
        final BatchOp wire;
        final Waiter waiter;
        final long deadline;
        /** Written to the stream (under the lane's send lock). */
        volatile boolean sent;

        Op(long id, BatchOp wire, Waiter waiter, long deadline) {
            this.id = id;
            this.wire = wire;
            this.waiter = waiter;
            this.deadline = deadline;
        }
    }

    /** One gRPC stream: its unanswered ops, the ops waiting to be written, and the lock whoever writes holds. */
    private final class Lane implements ClientResponseObserver<BatchRequest, BatchResponse> {
        private final AttemptTracer tracer = new AttemptTracer();
        private final Map<Long, Op> pending = new ConcurrentHashMap<>();
        private final AtomicLong pendingBytes = new AtomicLong();
        private final ConcurrentLinkedQueue<Op> outbox = new ConcurrentLinkedQueue<>();
        private final ReentrantLock sending = new ReentrantLock();
        private final ClientCallStreamObserver<BatchRequest> requests;
        /** No more ops: the lane failed, ended or idled out. */
        volatile boolean closed;
        private volatile long lastUse = core.time().nanoTime();
        private boolean idleCheckScheduled;
        /**
         * When the deadline sweep runs next (guarded by this lane): one timer per lane for the earliest
         * deadline, not one per op, since scheduling and cancelling a timer per request woke the client's
         * timer thread for every request.
         */
        private long sweepAt;
        private Scheduler.Task sweep;

        @SuppressWarnings("unchecked")
        Lane() {
            ClientCall<BatchRequest, BatchResponse> call = endpoint.calls().newCall(KVGrpc.getBatchMethod(),
                    CallOptions.DEFAULT.withStreamTracerFactory(tracer));
            requests = (ClientCallStreamObserver<BatchRequest>) ClientCalls.asyncBidiStreamingCall(call, this);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<BatchRequest> stream) {
            // Nothing to set: the stream's own flow control and MAX_PENDING bound what is buffered.
        }

        boolean offer(BatchOp.Builder b, long timeoutNanos, String token, Waiter waiter) {
            if (closed || pending.size() >= MAX_PENDING || pendingBytes.get() >= MAX_PENDING_BYTES) {
                return false;
            }
            long id = ids.incrementAndGet();
            b.setId(id).setTimeoutMicros(Math.max(1, timeoutNanos / 1_000));
            if (token != null) {
                b.setToken(token);
            }
            long now = core.time().nanoTime();
            Op op = new Op(id, b.build(), waiter, now + timeoutNanos);
            pendingBytes.addAndGet(op.wire.getSerializedSize());
            pending.put(id, op);
            lastUse = now;
            sweepBy(op.deadline);
            outbox.add(op);
            drain();
            return true;
        }

        /** Writes what is queued, one message at a time, while this thread can take the send lock. */
        private void drain() {
            while (!outbox.isEmpty() && sending.tryLock()) {
                try {
                    BatchRequest.Builder message = BatchRequest.newBuilder();
                    int bytes = 0;
                    for (Op op = outbox.poll(); op != null; op = outbox.poll()) {
                        if (closed) {
                            unsent(op);
                            continue;
                        }
                        op.sent = true;
                        message.addOps(op.wire);
                        bytes += op.wire.getSerializedSize();
                        if (bytes >= MAX_MESSAGE_BYTES) {
                            requests.onNext(message.build());
                            message = BatchRequest.newBuilder();
                            bytes = 0;
                        }
                    }
                    if (message.getOpsCount() > 0) {
                        requests.onNext(message.build());
                    }
                } finally {
                    sending.unlock();
                }
            }
        }

        /** Takes {@code op} out of the lane; true for exactly one caller, who then answers its waiter. */
        private boolean take(Op op) {
            if (!pending.remove(op.id, op)) {
                return false;
            }
            pendingBytes.addAndGet(-op.wire.getSerializedSize());
            return true;
        }

        /** A lane that closed before {@code op} was written: the attempt goes unary, nothing was sent. */
        private void unsent(Op op) {
            if (take(op)) {
                op.waiter.sendUnary();
            }
        }

        @Override
        public void onNext(BatchResponse response) {
            for (BatchResult r : response.getResultsList()) {
                Op op = pending.get(r.getId());
                if (op == null || !take(op)) {
                    continue; // it expired here first
                }
                if (r.getResponseCase() == BatchResult.ResponseCase.ERROR) {
                    op.waiter.failed(error(r.getError()), true);
                } else if (r.getResponseCase().getNumber() != op.wire.getRequestCase().getNumber()) {
                    op.waiter.failed(Status.INTERNAL.withDescription("batch result " + r.getId() + " answers a "
                            + r.getResponseCase() + " to a " + op.wire.getRequestCase()).asRuntimeException(), true);
                } else {
                    op.waiter.answered(response(r));
                }
            }
            if (pending.isEmpty()) {
                scheduleIdleCheck();
            }
        }

        @Override
        public void onError(Throwable t) {
            ended(t);
        }

        @Override
        public void onCompleted() {
            ended(Status.UNAVAILABLE.withDescription("the node ended the batch stream (shutting down)").asRuntimeException());
        }

        /** The stream is over: every unanswered op fails with its status, or goes unary if it never could have left. */
        private void ended(Throwable t) {
            closed = true;
            laneEnded(this);
            boolean notHere = Status.fromThrowable(t).getCode() == Status.Code.UNIMPLEMENTED;
            if (notHere) {
                unsupportedUntil = core.time().nanoTime() + RETRY_UNSUPPORTED_NANOS;
                unsupported = true;
            }
            for (Op op : List.copyOf(pending.values())) {
                if (!take(op)) {
                    continue;
                }
                if (notHere || !op.sent) {
                    op.waiter.sendUnary();
                } else {
                    op.waiter.failed(t, tracer.mayHaveLeft());
                }
            }
        }

        /** Makes sure the deadline sweep runs no later than {@code deadline}. */
        private synchronized void sweepBy(long deadline) {
            if (sweep != null && sweepAt - deadline <= 0) {
                return;
            }
            if (sweep != null) {
                sweep.cancel();
            }
            sweepAt = deadline;
            sweep = core.scheduler().schedule(new Sweep(this), deadline - core.time().nanoTime());
        }

        /** Expires every op whose deadline passed, then waits for the earliest deadline left. */
        void sweep() {
            synchronized (this) {
                sweep = null;
            }
            long now = core.time().nanoTime();
            long next = 0;
            boolean any = false;
            for (Op op : List.copyOf(pending.values())) {
                if (op.deadline - now <= 0) {
                    expire(op);
                } else if (!any || op.deadline - next < 0) {
                    next = op.deadline;
                    any = true;
                }
            }
            if (any) {
                sweepBy(next);
            }
        }

        /** {@code op}'s deadline passed with no answer. */
        private void expire(Op op) {
            if (!take(op)) {
                return;
            }
            if (!tracer.mayHaveLeft()) {
                // The stream never reached a connected node (a node down, a black-holed port): nothing on it was
                // sent, but gRPC still holds its messages and would deliver them on a late connect. Cancel it, so
                // that "not applied" stays true, and only then read the tracer (a connect may have won the race).
                close(Status.DEADLINE_EXCEEDED.withDescription("no connection to " + endpoint + " before the deadline"));
                op.waiter.failed(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded waiting for a connection to "
                        + endpoint).asRuntimeException(), tracer.mayHaveLeft());
                return;
            }
            op.waiter.failed(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after "
                    + TimeUnit.MICROSECONDS.toMillis(op.wire.getTimeoutMicros()) + " ms (batch stream to " + endpoint + ")")
                    .asRuntimeException(), true);
            if (pending.isEmpty()) {
                scheduleIdleCheck();
            }
        }

        private void close(Status why) {
            sending.lock();
            try {
                closed = true;
                requests.cancel(why.getDescription(), null);
            } finally {
                sending.unlock();
            }
            laneEnded(this);
        }

        private synchronized void scheduleIdleCheck() {
            if (!idleCheckScheduled && !closed) {
                idleCheckScheduled = true;
                core.scheduler().schedule(new IdleCheck(this), IDLE_NANOS);
            }
        }

        /** Half-closes the lane if it has had nothing to do for {@link #IDLE_NANOS}; else looks again later. */
        void idleCheck() {
            synchronized (this) {
                idleCheckScheduled = false;
            }
            if (closed) {
                return;
            }
            if (!pending.isEmpty() || core.time().nanoTime() - lastUse < IDLE_NANOS) {
                scheduleIdleCheck();
                return;
            }
            sending.lock();
            try {
                closed = true;
                requests.onCompleted();
            } finally {
                sending.unlock();
            }
            laneEnded(this);
            // An op that raced past the closed check before this sits in the outbox: it goes unary.
            for (Op op = outbox.poll(); op != null; op = outbox.poll()) {
                unsent(op);
            }
        }
    }

    /** The error an op's unary call would have ended with: its status, with the server's ErrorDetail as a trailer. */
    static StatusRuntimeException error(BatchError e) {
        Metadata trailers = new Metadata();
        if (e.hasDetail()) {
            trailers.put(CallFailure.DETAIL_KEY, e.getDetail());
        }
        Status s = Status.fromCodeValue(e.getCode());
        return (e.getMessage().isEmpty() ? s : s.withDescription(e.getMessage())).asRuntimeException(trailers);
    }

    private static Object response(BatchResult r) {
        return switch (r.getResponseCase()) {
            case PUT -> r.getPut();
            case GET -> r.getGet();
            case DELETE -> r.getDelete();
            case COMPARE_AND_SET -> r.getCompareAndSet();
            case TXN -> r.getTxn();
            case ERROR, RESPONSE_NOT_SET -> throw new IllegalStateException("not a response: " + r.getResponseCase());
        };
    }

    /** A lane's deadline sweep, on the timer thread (a unary call's deadline would fire on an event loop). */
    private static final class Sweep implements Runnable {
        private final Lane lane;

        Sweep(Lane lane) {
            this.lane = lane;
        }

        @Override
        public void run() {
            lane.sweep();
        }
    }

    /** A lane's idle check, on the timer thread. */
    private static final class IdleCheck implements Runnable {
        private final Lane lane;

        IdleCheck(Lane lane) {
            this.lane = lane;
        }

        @Override
        public void run() {
            lane.idleCheck();
        }
    }
}
