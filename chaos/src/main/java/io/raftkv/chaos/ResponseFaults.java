package io.raftkv.chaos;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.WriteContext;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Client-side faults for the counter workload's session compare-and-sets, between the client library and
 * the network. Always: a share of the answers is lost after the server applied the request (the library
 * sees the connection fail, as when it drops after the request was sent), so every run exercises the
 * session's retry-with-the-same-sequence path, not only runs whose faults happen to hit a write in flight.
 *
 * <p>Broken mode (the negative control): a retried session write is sent <em>outside</em> its session,
 * the bug a client makes when it retries without its sequence number. A retry of a write that was applied
 * then fails its comparison, the workload reads again and appends again: a token appears twice, which
 * the {@link CounterChecker} must catch.
 */
final class ResponseFaults implements ClientInterceptor {
    /** What was injected, for the report. */
    record Counts(int answersLost, int retriesStripped) {
    }

    private static final String CAS = KVGrpc.getCompareAndSetMethod().getFullMethodName();

    private final double loss;
    private final boolean stripRetries;
    private final Random random;
    /** (session, sequence) pairs sent so far: seeing one again means the library is retrying it. */
    private final Set<WriteContext> sent = ConcurrentHashMap.newKeySet();
    private final AtomicInteger lost = new AtomicInteger();
    private final AtomicInteger stripped = new AtomicInteger();

    /**
     * @param loss         share of session CAS answers lost after the server applied the request
     * @param stripRetries the negative control: retried session writes go out without their session
     */
    ResponseFaults(double loss, boolean stripRetries, long seed) {
        this.loss = loss;
        this.stripRetries = stripRetries;
        this.random = new Random(seed);
    }

    Counts counts() {
        return new Counts(lost.get(), stripped.get());
    }

    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        ClientCall<Q, A> call = next.newCall(method, options);
        return method.getFullMethodName().equals(CAS) ? new FaultyCall<>(call) : call;
    }

    /** Whether to lose this attempt's answer; the same dice for every attempt, so runs replay alike. */
    private boolean dice() {
        synchronized (random) {
            return random.nextDouble() < loss;
        }
    }

    /** One attempt of a compare-and-set. */
    private final class FaultyCall<Q, A> extends ForwardingClientCall.SimpleForwardingClientCall<Q, A> {
        private volatile boolean loseAnswer;

        FaultyCall(ClientCall<Q, A> delegate) {
            super(delegate);
        }

        @Override
        public void start(Listener<A> listener, Metadata headers) {
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<A>(listener) {
                @Override
                public void onMessage(A message) {
                    if (!loseAnswer) {
                        super.onMessage(message);
                    }
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    if (loseAnswer && status.isOk()) {
                        lost.incrementAndGet();
                        super.onClose(Status.UNAVAILABLE.withDescription(
                                "chaos: the answer was lost after the request was applied"), new Metadata());
                    } else {
                        super.onClose(status, trailers);
                    }
                }
            }, headers);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void sendMessage(Q message) {
            CompareAndSetRequest req = (CompareAndSetRequest) message;
            WriteContext ctx = req.getContext();
            if (ctx.getSessionId() != 0) {
                boolean retry = !sent.add(ctx);
                if (retry && stripRetries) {
                    stripped.incrementAndGet();
                    req = req.toBuilder().clearContext().build();
                }
                loseAnswer = dice();
            }
            super.sendMessage((Q) req);
        }
    }
}
