package io.raftkv.client;

import io.grpc.ManagedChannel;
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
    private ManagedChannel channel;
    private boolean closed;

    Endpoint(String address, boolean seed, ClientConfig config, Function<String, ManagedChannel> channelFactory) {
        this.address = address;
        this.seed = seed;
        this.channelFactory = channelFactory;
        // An open breaker means the node is down: let the channel go idle instead of reconnecting in the
        // background; the half-open probe reconnects it.
        this.breaker = new CircuitBreaker(config.failuresToOpen(), config.openDuration().toNanos(), config.time(),
                this::idle);
    }

    /** The channel, created on first use; throws {@link IllegalStateException} once closed. */
    synchronized ManagedChannel channel() {
        if (closed) {
            throw new IllegalStateException("endpoint " + address + " is closed");
        }
        if (channel == null) {
            channel = channelFactory.apply(address);
        }
        return channel;
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
