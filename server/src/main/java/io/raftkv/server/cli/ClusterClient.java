package io.raftkv.server.cli;

import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.raftkv.proto.ErrorDetail;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one client call against a cluster: tries the endpoints in turn, follows {@code NOT_LEADER}
 * redirects to the leader's address from the {@code raftkv-error-bin} trailer, and backs off and retries
 * what the retry table in {@code kv.proto} calls retryable, all within one overall deadline.
 *
 * <p>Writes are retried only when the server cannot have executed them: the connection never became
 * ready, the node said {@code NOT_LEADER} / {@code NO_LEADER} / {@code OVERLOADED}, or the transport failed
 * without a raftkv error detail. A {@code NO_QUORUM} or a timeout leaves a write's outcome unknown, and the
 * CLI has no session to make a retry safe, so it reports that instead of guessing.
 *
 * <p>Not thread-safe: one instance per command invocation.
 */
final class ClusterClient implements AutoCloseable {
    static final Metadata.Key<ErrorDetail> ERROR_KEY =
            Metadata.Key.of("raftkv-error-bin", ProtoUtils.metadataMarshaller(ErrorDetail.getDefaultInstance()));

    /** Whether re-sending after the server may have executed the request is harmless. */
    enum Kind { READ, WRITE }

    /** One attempt of a call: build a stub on the channel, apply the deadline, call. */
    interface Call<T> {
        T run(Channel channel, Deadline deadline);
    }

    private final List<String> endpoints;
    private final Duration timeout;
    private final CliContext.ChannelFactory factory;
    private final Duration connectTimeout;
    private final Duration firstBackoff;
    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();

    ClusterClient(List<String> endpoints, Duration timeout, CliContext.ChannelFactory factory) {
        // 2 s to connect: a SIGSTOPped node accepts TCP but never finishes the HTTP/2 handshake, and the
        // client must move on to the next endpoint instead of spending the whole deadline there.
        this(endpoints, timeout, factory, Duration.ofSeconds(2), Duration.ofMillis(50));
    }

    ClusterClient(List<String> endpoints, Duration timeout, CliContext.ChannelFactory factory,
                  Duration connectTimeout, Duration firstBackoff) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoints");
        }
        this.endpoints = List.copyOf(endpoints);
        this.timeout = timeout;
        this.factory = factory;
        this.connectTimeout = connectTimeout;
        this.firstBackoff = firstBackoff;
    }

    List<String> endpoints() {
        return endpoints;
    }

    /**
     * Runs {@code call} until it succeeds, fails for good, or the timeout passes.
     *
     * @throws CliException with a one-line reason when the call failed or no node answered in time
     */
    <T> T call(Kind kind, Call<T> call) {
        Deadline deadline = Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
        long backoff = firstBackoff.toNanos();
        int next = 0;
        int misses = 0;
        int redirects = 0;
        String target = null;
        String last = "no endpoint tried";
        while (!deadline.isExpired()) {
            String endpoint = target != null ? target : endpoints.get(next++ % endpoints.size());
            target = null;
            ManagedChannel channel = channel(endpoint);
            if (!awaitReady(channel, deadline)) {
                last = endpoint + ": unreachable";
                if (++misses % endpoints.size() == 0) {
                    backoff = pause(backoff, deadline);
                }
                continue;
            }
            try {
                return call.run(channel, deadline);
            } catch (StatusRuntimeException e) {
                ErrorDetail detail = detail(e);
                Status.Code code = e.getStatus().getCode();
                last = endpoint + ": " + describe(e, detail);
                if (detail != null && detail.getCode() == ErrorDetail.Code.NOT_LEADER) {
                    String leader = detail.getLeaderAddress();
                    if (!leader.isBlank() && !leader.equals(endpoint)) {
                        target = leader;
                        // Two nodes that each name the other (stale views during an election) must not spin.
                        if (++redirects % 3 == 0) {
                            backoff = pause(backoff, deadline);
                        }
                    } else if (++misses % endpoints.size() == 0) {
                        backoff = pause(backoff, deadline);
                    }
                    continue;
                }
                switch (classify(kind, code, detail, deadline)) {
                    case RETRY_ELSEWHERE:
                        if (++misses % endpoints.size() == 0) {
                            backoff = pause(backoff, deadline);
                        }
                        continue;
                    case RETRY_SAME:
                        target = endpoint;
                        backoff = pause(backoff, deadline);
                        continue;
                    default:
                        String unknown = kind == Kind.WRITE && outcomeUnknown(code, detail)
                                ? " (the write may or may not have been applied)" : "";
                        throw CliException.failed(describe(e, detail) + unknown);
                }
            }
        }
        throw CliException.failed("no answer within " + Units.format(timeout) + " (last: " + last + ")");
    }

    /**
     * One call at one endpoint, no retries (per-node status tables, leader polling).
     *
     * @throws StatusRuntimeException UNAVAILABLE "unreachable" when no connection is made in time
     */
    <T> T callAt(String endpoint, Duration timeout, Call<T> call) {
        Deadline deadline = Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
        ManagedChannel channel = channel(endpoint);
        if (!awaitReady(channel, deadline)) {
            throw Status.UNAVAILABLE.withDescription("unreachable").asRuntimeException();
        }
        return call.run(channel, deadline);
    }

    private enum Action { RETRY_ELSEWHERE, RETRY_SAME, FAIL }

    private static Action classify(Kind kind, Status.Code code, ErrorDetail detail, Deadline deadline) {
        ErrorDetail.Code d = detail == null ? null : detail.getCode();
        switch (code) {
            case UNAVAILABLE:
                // NO_QUORUM: the entry may be in a log already and commit later (kv.proto retry table).
                if (kind == Kind.WRITE && d == ErrorDetail.Code.NO_QUORUM) {
                    return Action.FAIL;
                }
                return Action.RETRY_ELSEWHERE;
            case RESOURCE_EXHAUSTED:
                return Action.RETRY_SAME;
            case DEADLINE_EXCEEDED:
                // The server's own request timeout can be shorter than ours: a read may try again.
                return kind == Kind.READ && !deadline.isExpired() ? Action.RETRY_ELSEWHERE : Action.FAIL;
            default:
                return Action.FAIL;
        }
    }

    private static boolean outcomeUnknown(Status.Code code, ErrorDetail detail) {
        return code == Status.Code.DEADLINE_EXCEEDED || code == Status.Code.CANCELLED
                || (detail != null && (detail.getCode() == ErrorDetail.Code.NO_QUORUM
                || detail.getCode() == ErrorDetail.Code.TIMEOUT
                || detail.getCode() == ErrorDetail.Code.SESSION_EXPIRED));
    }

    static ErrorDetail detail(StatusRuntimeException e) {
        Metadata trailers = e.getTrailers();
        return trailers == null ? null : trailers.get(ERROR_KEY);
    }

    /** {@code CODE[/DETAIL]: description [(limit name=limit, actual n)]}, one line. */
    static String describe(StatusRuntimeException e, ErrorDetail detail) {
        StringBuilder sb = new StringBuilder(e.getStatus().getCode().name());
        if (detail != null && detail.getCode() != ErrorDetail.Code.UNKNOWN) {
            sb.append('/').append(detail.getCode().name());
        }
        String description = e.getStatus().getDescription();
        if (description != null && !description.isBlank()) {
            sb.append(": ").append(description.replace('\n', ' '));
        }
        if (detail != null && !detail.getLimitName().isEmpty()
                && (description == null || !description.contains(detail.getLimitName()))) {
            sb.append(" (limit ").append(detail.getLimitName()).append('=').append(detail.getLimit())
                    .append(", actual ").append(detail.getActual()).append(')');
        }
        return sb.toString();
    }

    private ManagedChannel channel(String endpoint) {
        ManagedChannel ch = channels.get(endpoint);
        // A channel in TRANSIENT_FAILURE waits out its reconnect backoff (up to minutes); a fresh one
        // connects now, which is what a node that just restarted needs.
        if (ch != null && (ch.getState(false) == ConnectivityState.TRANSIENT_FAILURE || ch.isShutdown())) {
            ch.shutdownNow();
            ch = null;
        }
        if (ch == null) {
            ch = factory.open(endpoint);
            channels.put(endpoint, ch);
        }
        return ch;
    }

    /** True once the channel is connected: only then can a request have reached the server. */
    private boolean awaitReady(ManagedChannel channel, Deadline deadline) {
        long limit = Math.min(deadline.timeRemaining(TimeUnit.NANOSECONDS), connectTimeout.toNanos());
        long end = System.nanoTime() + limit;
        ConnectivityState state = channel.getState(true);
        while (state != ConnectivityState.READY) {
            if (state == ConnectivityState.TRANSIENT_FAILURE || state == ConnectivityState.SHUTDOWN) {
                return false;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            CountDownLatch changed = new CountDownLatch(1);
            channel.notifyWhenStateChanged(state, changed::countDown);
            try {
                if (!changed.await(left, TimeUnit.NANOSECONDS)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CliException.failed("interrupted");
            }
            state = channel.getState(true);
        }
        return true;
    }

    /** Sleeps for the backoff (never past the deadline) and returns the next one: doubling, capped at 1 s. */
    private static long pause(long backoffNanos, Deadline deadline) {
        long sleep = Math.min(backoffNanos, deadline.timeRemaining(TimeUnit.NANOSECONDS));
        if (sleep > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CliException.failed("interrupted");
            }
        }
        return Math.min(backoffNanos * 2, TimeUnit.SECONDS.toNanos(1));
    }

    @Override
    public void close() {
        for (ManagedChannel ch : channels.values()) {
            ch.shutdownNow();
        }
        for (ManagedChannel ch : channels.values()) {
            try {
                ch.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        channels.clear();
    }
}
