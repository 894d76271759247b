package io.raftkv.client;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.ErrorDetail;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One client call and its retry loop. Each attempt picks an endpoint, sends the request with a gRPC
 * deadline no later than the call's own, and classifies a failure ({@link Failure}): redirects are followed,
 * retryable failures back off with full jitter, everything else ends the call with the matching
 * {@link RaftKvException}. The loop ends after {@code maxAttempts} attempts or at the deadline, whichever
 * comes first; it never waits past the deadline.
 *
 * <p>The retry rule depends on {@link Safety}: a write outside a session is retried only after failures that
 * guarantee it was not applied.
 */
final class Call<Req, Resp> implements ClientCore.InFlight {
    /** JDK platform logging: the client forces no logging backend on the application (SLF4J users bridge it). */
    private static final System.Logger LOG = System.getLogger(Call.class.getName());
    /** Redirects followed without backoff before the loop suspects a redirect cycle. */
    private static final int MAX_IMMEDIATE_REDIRECTS = 2;
    /** No attempt starts with less time than this left before the call's deadline. */
    static final long MIN_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** Which retries are safe for the request. */
    enum Safety {
        /** A read, or a request whose repetition is harmless: every retryable failure is retried. */
        IDEMPOTENT,
        /** A write in a session: a repetition is answered from the session, so every retryable failure is retried. */
        SESSION_WRITE,
        /** A write outside a session: retried only when it certainly was not applied. */
        UNSAFE_WRITE
    }

    /** Where attempts go. */
    enum Route {
        /** Only the leader can answer (writes): follow redirects, cache the leader. */
        LEADER,
        /** Any node can answer, the cached leader preferred (status). */
        PREFER_LEADER,
        /** Any node can answer: round-robin over healthy endpoints (reads, linearizable ones too). */
        ANY
    }

    /**
     * What to send.
     *
     * @param what        for messages: "put", "get", ...
     * @param method      the gRPC method
     * @param request     the request, sent unchanged on every attempt (a session write keeps its sequence)
     * @param route       where attempts go
     * @param safety      the retry rule
     * @param sessionId   the session of a session write, 0 otherwise
     * @param pinned      the one endpoint every attempt goes to (a node's own status), or null: the route decides
     * @param stream      for a server-streaming method: what receives its messages; null for a unary method
     */
    record Spec<Req, Resp>(String what, MethodDescriptor<Req, Resp> method, Req request, Route route, Safety safety,
                           long sessionId, Endpoint pinned, StreamSink<Resp> stream) {
        Spec(String what, MethodDescriptor<Req, Resp> method, Req request, Route route, Safety safety, long sessionId) {
            this(what, method, request, route, safety, sessionId, null, null);
        }
    }

    /**
     * Receives the messages of a server-streaming call. Each attempt starts over ({@link #restart}); a
     * failure of the sink itself (an I/O error writing a file) ends the call at once, unretried.
     */
    interface StreamSink<M> {
        /** A new attempt begins: discard what an earlier attempt delivered. */
        void restart();

        /** The next message. May throw (unchecked) to end the call with that exception. */
        void accept(M message);
    }

    private final ClientCore core;
    private final Spec<Req, Resp> spec;
    private final long deadline;
    private final CompletableFuture<Resp> result = new CompletableFuture<>();
    /**
     * Endpoints that failed as unhealthy during this call, with when: for the breaker's open period after
     * that they are tried last and their redirects are not followed (followers keep naming a dead leader
     * until they elect another). After it they are trusted again: a leader whose connection dropped once
     * is still the leader, and a call that shunned it for good could only run out of budget.
     */
    private final Map<Endpoint, Long> failedAt = new HashMap<>();
    /** The latest failure at each endpoint tried, in the order first tried: what an exhausted call reports. */
    private final Map<String, String> byEndpoint = new java.util.LinkedHashMap<>();
    private int attempts;
    private int backoffs;
    private int redirectsInARow;
    /** The latest failure; volatile because close() reads it from another thread. */
    private volatile Failure last;
    /**
     * Whether some attempt may have reached the log. Sticky: a later refusal (NOT_LEADER after a timeout)
     * says nothing about the earlier attempt, which may still commit.
     */
    private volatile boolean mayHaveApplied;
    /** The token the latest attempt carried (null: none), and whether this call already renewed one. */
    private String token;
    private boolean renewedToken;
    private CompletableFuture<String> awaitedLogin;

    private Call(ClientCore core, Spec<Req, Resp> spec, long deadline) {
        this.core = core;
        this.spec = spec;
        this.deadline = deadline;
    }

    /** Starts the call; the future completes with the response or a {@link RaftKvException}, never later than the deadline allows. */
    static <Req, Resp> CompletableFuture<Resp> start(ClientCore core, Spec<Req, Resp> spec, long deadlineNanos) {
        Call<Req, Resp> c = new Call<>(core, spec, deadlineNanos);
        core.register(c);
        c.attempt();
        return c.result;
    }

    @Override
    public CompletableFuture<?> future() {
        return result;
    }

    /** The client closed while this call waited for a backoff timer that will never fire. */
    @Override
    public void clientClosed() {
        finish(closed());
    }

    private long now() {
        return core.time().nanoTime();
    }

    // Attempts run one at a time (each is started by the previous one's completion or its backoff timer),
    // so the fields need no lock: the executor hand-offs order the accesses.
    private void attempt() {
        if (result.isDone()) {
            return;
        }
        if (core.isClosed()) {
            finish(closed());
            return;
        }
        long remaining = deadline - now();
        if (outOfTime(remaining)) {
            return;
        }
        TokenSource tokens = core.tokens();
        if (tokens != null && !TokenSource.isAuthenticate(spec)) {
            CompletableFuture<String> t = awaitedLogin != null ? awaitedLogin : tokens.token();
            awaitedLogin = null;
            if (!t.isDone()) {
                // Logging in (once, for every call waiting): this attempt starts when that login ends, and takes
                // its outcome (a failed login is not started over by the same attempt).
                awaitedLogin = t;
                t.whenCompleteAsync((v, x) -> attempt(), core.executor());
                return;
            }
            if (t.isCompletedExceptionally()) {
                finish(loginFailed(t));
                return;
            }
            token = t.join().isEmpty() ? null : t.join();
        }
        attempts++;
        Endpoint e = spec.pinned() != null ? (spec.pinned().breaker.tryAcquire() ? spec.pinned() : null)
                : core.endpoints().pick(spec.route() != Route.ANY, failedLately());
        if (e == null) {
            if (spec.pinned() != null) {
                // The one node this call may ask keeps failing: waiting out its breaker would only delay the answer.
                finish(exhausted(spec.pinned() + " keeps failing (its circuit breaker is open)"));
                return;
            }
            onFailure(null, Failure.noEndpoint());
            return;
        }
        long timeout = attemptTimeout(remaining);
        if (spec.stream() == null && core.batching() && e.ops(core).offer(spec.request(), timeout, token, new OnStream(e))) {
            return;
        }
        unary(e, timeout);
    }

    /** Ends the call if {@code remaining} is too short for another attempt; true if it did. */
    private boolean outOfTime(long remaining) {
        if (remaining >= MIN_ATTEMPT_NANOS) {
            return false;
        }
        // An attempt this short would mostly expire in flight, turning "not applied" into "unknown".
        finish(exhausted("the deadline passed"));
        return true;
    }

    private long attemptTimeout(long remaining) {
        // A write outside a session cannot be retried once sent, so cutting its attempt short would only turn
        // a late answer into an unknown outcome: it gets the whole remaining time. A stream (a backup) takes as
        // long as its size needs: it gets the whole remaining time too.
        return spec.safety() == Safety.UNSAFE_WRITE || spec.stream() != null ? remaining
                : Math.min(remaining, core.attemptTimeoutNanos());
    }

    /** This attempt as its own gRPC call. */
    private void unary(Endpoint e, long timeout) {
        AttemptTracer tracer = new AttemptTracer();
        ClientCall<Req, Resp> call;
        try {
            CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(timeout, TimeUnit.NANOSECONDS)
                    .withStreamTracerFactory(tracer);
            call = e.calls().newCall(spec.method(), token == null ? options
                    : options.withCallCredentials(TokenSource.bearer(token)));
        } catch (IllegalStateException endpointClosed) {
            // The client is closing, or the endpoint was just dropped from the member list: nothing was sent.
            e.breaker.onNeutral();
            if (core.isClosed()) {
                finish(closed());
            } else {
                onFailure(null, Failure.noEndpoint());
            }
            return;
        }
        if (spec.stream() != null) {
            stream(e, call, tracer);
            return;
        }
        ClientCalls.asyncUnaryCall(call, spec.request(), new StreamObserver<Resp>() {
            private Resp value;

            @Override
            public void onNext(Resp v) {
                value = v;
            }

            @Override
            public void onError(Throwable t) {
                onFailure(e, Failure.classify(t, tracer.mayHaveLeft()));
            }

            @Override
            public void onCompleted() {
                onSuccess(e, value);
            }
        });
    }

    /** The answer to this attempt on the endpoint's batch stream ({@link OpStream}). */
    private final class OnStream implements OpStream.Waiter {
        private final Endpoint e;

        OnStream(Endpoint e) {
            this.e = e;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void answered(Object response) {
            onSuccess(e, (Resp) response);
        }

        @Override
        public void failed(Throwable t, boolean mayHaveLeft) {
            onFailure(e, Failure.classify(t, mayHaveLeft));
        }

        @Override
        public void sendUnary() {
            long remaining = deadline - now();
            if (!outOfTime(remaining)) {
                unary(e, attemptTimeout(remaining));
            }
        }
    }

    /** One attempt of a server-streaming call: messages go to the sink; its own failure ends the call. */
    private void stream(Endpoint e, ClientCall<Req, Resp> call, AttemptTracer tracer) {
        StreamSink<Resp> sink = spec.stream();
        sink.restart();
        RuntimeException[] sinkFailed = new RuntimeException[1];
        ClientCalls.asyncServerStreamingCall(call, spec.request(), new StreamObserver<Resp>() {
            @Override
            public void onNext(Resp v) {
                if (sinkFailed[0] != null) {
                    return;
                }
                try {
                    sink.accept(v);
                } catch (RuntimeException ex) {
                    sinkFailed[0] = ex;
                    call.cancel("the receiver failed", ex);
                }
            }

            @Override
            public void onError(Throwable t) {
                if (sinkFailed[0] != null) {
                    result.completeExceptionally(sinkFailed[0]);
                } else {
                    onFailure(e, Failure.classify(t, tracer.mayHaveLeft()));
                }
            }

            @Override
            public void onCompleted() {
                onSuccess(e, null);
            }
        });
    }

    private Set<Endpoint> failedLately() {
        long now = now();
        long period = core.config().openDuration().toNanos();
        failedAt.values().removeIf(t -> now - t >= period);
        return failedAt.keySet();
    }

    private void onSuccess(Endpoint e, Resp value) {
        e.breaker.onSuccess();
        if (spec.route() == Route.LEADER) {
            core.endpoints().leaderIs(e);
        }
        result.complete(value);
    }

    private void onFailure(Endpoint e, Failure f) {
        last = f;
        if (e != null) {
            synchronized (byEndpoint) {
                byEndpoint.put(e.address, f.brief());
            }
        }
        if (f.mayApply()) {
            mayHaveApplied = true;
        }
        long delay = -1;
        if (e != null) {
            if (f.unhealthy()) {
                e.breaker.onFailure();
                failedAt.put(e, now());
            } else {
                e.breaker.onSuccess();
            }
            if (f.dropLeader()) {
                core.endpoints().forgetLeader(e);
            }
            Endpoint target = f.redirect().isEmpty() ? null : core.endpoints().learn(f.redirect());
            // Follow a redirect at once unless it points back at the node that answered, or at one that failed
            // lately (followers keep naming a dead leader until they elect a new one), or nodes keep naming each
            // other (stale views during an election): then back off like any other retry.
            if (target != null && target != e && !failedLately().contains(target) && target.breaker.isClosed()) {
                core.endpoints().leaderIs(target);
                if (redirectsInARow++ < MAX_IMMEDIATE_REDIRECTS) {
                    delay = 0;
                }
            } else {
                redirectsInARow = 0;
            }
        }
        if (core.isClosed()) {
            finish(closed());
            return;
        }
        boolean renew = false;
        if (f.code() == ErrorDetail.Code.AUTH_STALE) {
            // The token expired or predates a change of users and roles: drop it so the next attempt logs in
            // again; at once the first time in this call, with the usual backoff after that (no storm).
            if (token != null && core.tokens() != null) {
                core.tokens().stale(token);
            }
            if (!renewedToken) {
                renewedToken = true;
                delay = 0;
            }
        } else if (f.code() == ErrorDetail.Code.UNAUTHENTICATED && token == null && core.tokens() != null && !renewedToken) {
            // Logged in while auth was off (no token to send), and auth has been enabled since: log in again, once.
            core.tokens().stale("");
            renewedToken = true;
            renew = true;
            delay = 0;
        }
        if (!f.retryable() && !renew) {
            finish(terminal(f));
            return;
        }
        if (spec.safety() == Safety.UNSAFE_WRITE && mayHaveApplied) {
            finish(new IndeterminateException(spec.what() + " outside a session may or may not have been applied ("
                    + f + "); it was not retried because a retry could apply it twice", f.cause()));
            return;
        }
        if (attempts >= core.config().maxAttempts()) {
            finish(exhausted("the retry budget of " + core.config().maxAttempts() + " attempts ran out"));
            return;
        }
        if (delay < 0) {
            delay = core.backoff().delayNanos(backoffs++);
        }
        if (delay + MIN_ATTEMPT_NANOS > deadline - now()) {
            finish(exhausted("the deadline would pass before another attempt after the next backoff"));
            return;
        }
        long retryMs = TimeUnit.NANOSECONDS.toMillis(delay);
        LOG.log(System.Logger.Level.DEBUG, () -> spec.what() + " attempt " + attempts + " via " + e + " failed (" + f
                + "); retrying in " + retryMs + " ms");
        try {
            core.scheduler().schedule(this::attempt, delay);
        } catch (RejectedExecutionException closing) {
            finish(closed());
        }
    }

    /**
     * What became of the request if the call ends now: a read or another idempotent request had no effect
     * the caller must account for; a write did, at most once, if any attempt may have reached the log.
     */
    private RaftKvException.Outcome outcome() {
        return spec.safety() != Safety.IDEMPOTENT && mayHaveApplied ? RaftKvException.Outcome.UNKNOWN
                : RaftKvException.Outcome.NOT_APPLIED;
    }

    private RaftKvException terminal(Failure f) {
        switch (f.kind()) {
            case INVALID: {
                ErrorDetail d = f.detail();
                return new InvalidArgumentException(spec.what() + " rejected: " + f, d == null ? "" : d.getLimitName(),
                        d == null ? 0 : d.getLimit(), d == null ? 0 : d.getActual(), f.cause());
            }
            case NO_SPACE:
                return new NoSpaceException(spec.what() + " refused: " + f, f.cause(), outcome());
            case PERMISSION_DENIED:
                return new PermissionDeniedException(spec.what() + " refused: " + f, f.cause(), outcome());
            case UNAUTHENTICATED:
                return new AuthenticationException(spec.what() + " refused: " + f + (core.tokens() == null
                        ? " (build the client with credentials(user, password))" : ""), f.cause(), outcome());
            case SESSION_EXPIRED:
                return new SessionExpiredException(spec.what() + " failed: session " + spec.sessionId()
                        + " expired; the outcome of this write is unknown", spec.sessionId(), f.cause());
            default:
                if (spec.safety() == Safety.UNSAFE_WRITE && mayHaveApplied) {
                    return new IndeterminateException(spec.what() + " outside a session may or may not have been applied ("
                            + f + ")", f.cause());
                }
                return new ServerErrorException(spec.what() + " failed: " + f, f.cause(), outcome());
        }
    }

    /** The login this call waited for failed: its error, named for this call. */
    private RaftKvException loginFailed(CompletableFuture<String> login) {
        Throwable t;
        try {
            login.join();
            throw new IllegalStateException("not failed");
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException x) {
            t = x.getCause() != null ? x.getCause() : x;
        }
        // outcome(): an earlier attempt of this call (before its token went stale) may have reached the log.
        if (t instanceof AuthenticationException a) {
            return new AuthenticationException(spec.what() + " refused: " + a.getMessage(), a, outcome());
        }
        if (t instanceof RaftKvException r && r.outcome() == RaftKvException.Outcome.NOT_APPLIED && !(r instanceof ServerErrorException)) {
            return new UnavailableException(spec.what() + " failed: could not log in: " + r.getMessage(), r, outcome(),
                    java.util.Map.of());
        }
        return new ServerErrorException(spec.what() + " failed: could not log in: " + t, t, outcome());
    }

    private RaftKvException exhausted(String why) {
        Failure f = last;
        String msg = spec.what() + " failed after " + attempts + (attempts == 1 ? " attempt: " : " attempts: ") + why
                + (f == null ? "" : "; last failure: " + f) + (outcome() == RaftKvException.Outcome.UNKNOWN
                ? "; an attempt may have reached the log, so it may still apply (at most once)" : "");
        Throwable cause = f == null ? null : f.cause();
        Map<String, String> failures;
        synchronized (byEndpoint) {
            if (byEndpoint.size() > 1) {
                msg += "; by endpoint: " + byEndpoint;
            }
            failures = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byEndpoint));
        }
        if (f != null && f.code() == ErrorDetail.Code.OVERLOADED) {
            return new OverloadedException(msg, cause, outcome(), failures);
        }
        return new UnavailableException(msg, cause, outcome(), failures);
    }

    private RaftKvException closed() {
        Failure f = last;
        if (spec.safety() == Safety.UNSAFE_WRITE && mayHaveApplied) {
            return new IndeterminateException(spec.what() + " interrupted by close(); it may or may not have been applied",
                    f == null ? null : f.cause());
        }
        return new UnavailableException(spec.what() + " failed: the client is closed", f == null ? null : f.cause(), outcome());
    }

    private void finish(RaftKvException e) {
        result.completeExceptionally(e);
    }
}
