package io.raftkv.client;

/**
 * A per-endpoint circuit breaker. CLOSED: requests flow; after {@code failuresToOpen} consecutive failures
 * it turns OPEN and refuses requests locally (a dead node then costs nothing, not a timeout per request);
 * once {@code openNanos} have passed it turns HALF_OPEN and lets exactly one probe through: success closes
 * it, failure opens it again for another period.
 *
 * <p>Only failures that say something about the node's health count (connection refused or dropped, no
 * answer before the deadline, broken storage). A node that answers "not leader" or "overloaded" is healthy.
 */
final class CircuitBreaker {
    enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    /** Told when the breaker opens, so the endpoint can stop its channel from reconnecting eagerly. */
    interface Listener {
        void opened();
    }

    private final int failuresToOpen;
    private final long openNanos;
    private final TimeSource time;
    private final Listener listener;

    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openedAt;
    private boolean probeInFlight;

    CircuitBreaker(int failuresToOpen, long openNanos, TimeSource time, Listener listener) {
        if (failuresToOpen < 1 || openNanos <= 0) {
            throw new IllegalArgumentException("circuit breaker needs failuresToOpen >= 1 and a positive open duration");
        }
        this.failuresToOpen = failuresToOpen;
        this.openNanos = openNanos;
        this.time = time;
        this.listener = listener;
    }

    /**
     * Whether a request may go to this endpoint now. In HALF_OPEN this grants the single probe to the first
     * caller; the caller must then report {@link #onSuccess()}, {@link #onFailure()} or {@link #onNeutral()}.
     */
    synchronized boolean tryAcquire() {
        switch (state) {
            case CLOSED:
                return true;
            case OPEN:
                if (time.nanoTime() - openedAt < openNanos) {
                    return false;
                }
                state = State.HALF_OPEN;
                probeInFlight = true;
                return true;
            case HALF_OPEN:
                if (probeInFlight) {
                    return false;
                }
                probeInFlight = true;
                return true;
            default:
                throw new IllegalStateException("unknown state " + state);
        }
    }

    /** Whether the breaker is closed right now (used to pick endpoints for load-balanced reads). */
    synchronized boolean isClosed() {
        return state == State.CLOSED;
    }

    synchronized State state() {
        // Report OPEN as HALF_OPEN once its period is over: the next request will be a probe.
        return state == State.OPEN && time.nanoTime() - openedAt >= openNanos ? State.HALF_OPEN : state;
    }

    synchronized void onSuccess() {
        state = State.CLOSED;
        consecutiveFailures = 0;
        probeInFlight = false;
    }

    void onFailure() {
        boolean opened;
        synchronized (this) {
            opened = false;
            if (state == State.HALF_OPEN) {
                open();
                opened = true;
            } else if (state == State.CLOSED && ++consecutiveFailures >= failuresToOpen) {
                open();
                opened = true;
            }
            // Already OPEN: a request admitted before it opened; the period runs from the first failure.
        }
        if (opened) {
            listener.opened();
        }
    }

    /** The request ended without telling anything about the node (cancelled, client closing). */
    synchronized void onNeutral() {
        if (state == State.HALF_OPEN) {
            probeInFlight = false;
        }
    }

    private void open() {
        state = State.OPEN;
        openedAt = time.nanoTime();
        probeInFlight = false;
        consecutiveFailures = 0;
    }
}
