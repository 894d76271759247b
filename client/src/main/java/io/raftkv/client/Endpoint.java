package io.raftkv.client;

import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One node's client address: its circuit breaker and its channel, created on first use. A configured
 * ("seed") endpoint stays for the client's life; one learned from a redirect or the member list is
 * dropped, and its channel closed, when the node leaves the cluster.
 */
final class Endpoint {
    final String address;
    final boolean seed;
    final CircuitBreaker breaker;
    private final Function<String, ManagedChannel> channelFactory;
    private final List<ClientInterceptor> interceptors;
    private ManagedChannel channel;
    /** {@link #channel} behind the configured interceptors: what calls go through. */
    private Channel calls;
    private boolean closed;
    private OpStream ops;

    Endpoint(String address, boolean seed, ClientConfig config, Function<String, ManagedChannel> channelFactory) {
        this.address = address;
        this.seed = seed;
        this.channelFactory = channelFactory;
        this.interceptors = config.interceptors();
        // An open breaker means the node is down: let the channel go idle instead of reconnecting in the
        // background; the half-open probe reconnects it.
        this.breaker = new CircuitBreaker(config.failuresToOpen(), config.openDuration().toNanos(), config.time(),
                this::idle);
    }

    /**
     * Where calls go: the channel (created on first use) behind the configured interceptors. Throws
     * {@link IllegalStateException} once closed.
     */
    synchronized Channel calls() {
        if (closed) {
            throw new IllegalStateException("endpoint " + address + " is closed");
        }
        if (channel == null) {
            channel = channelFactory.apply(address);
            calls = interceptors.isEmpty() ? channel : ClientInterceptors.intercept(channel, interceptors);
        }
        return calls;
    }

    /** The batch stream to this node (its lanes open on first use). */
    synchronized OpStream ops(ClientCore core) {
        if (ops == null) {
            ops = new OpStream(this, core);
        }
        return ops;
    }

    private void idle() {
        ManagedChannel c;
        synchronized (this) {
            c = channel;
        }
        if (c != null) {
            c.enterIdle();
        }
    }

    /** Starts closing the channel: in-flight calls fail, which their retry loops see as the client closing. */
    void shutdownNow() {
        ManagedChannel c;
        synchronized (this) {
            closed = true;
            c = channel;
        }
        if (c != null) {
            c.shutdownNow();
        }
    }

    /** Waits until the channel has terminated; returns false if it did not within the time given. */
    boolean awaitTermination(long nanos) throws InterruptedException {
        ManagedChannel c;
        synchronized (this) {
            c = channel;
        }
        return c == null || c.awaitTermination(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public String toString() {
        return address;
    }
}
