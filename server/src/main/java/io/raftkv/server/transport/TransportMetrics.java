package io.raftkv.server.transport;

/**
 * What the transport reports per peer, for the node's metrics (the server implements it; tests use
 * {@link #NONE}). Called from transport threads: implementations only count.
 */
public interface TransportMetrics {
    /** A batch of {@code bytes} (serialized) went out on the stream to {@code peer}. */
    void sent(long peer, long bytes);

    /** A batch of {@code bytes} arrived from {@code peer}. */
    void received(long peer, long bytes);

    /** The stream to {@code peer} failed (it is reopened with backoff). */
    void sendFailed(long peer);

    /** {@code count} messages for {@code peer} were dropped (queue full or stale). */
    void dropped(long peer, int count);

    /** A probe of {@code peer} answered after {@code nanos}. */
    void roundTrip(long peer, long nanos);

    /** The transport starts talking to {@code peer}: its series exist from now on, at zero (not absent). */
    default void peerAdded(long peer) {
    }

    TransportMetrics NONE = new TransportMetrics() {
        @Override
        public void sent(long peer, long bytes) {
        }

        @Override
        public void received(long peer, long bytes) {
        }

        @Override
        public void sendFailed(long peer) {
        }

        @Override
        public void dropped(long peer, int count) {
        }

        @Override
        public void roundTrip(long peer, long nanos) {
        }
    };
}
