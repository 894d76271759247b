package io.raftkv.client;

import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with full jitter: the delay before retry {@code n} (0-based) is uniform in
 * {@code [0, min(cap, base * 2^n)]}. Full jitter spreads a crowd of clients that failed together (a leader
 * crash) instead of having them return in lock-step.
 */
final class Backoff {
    private final long baseNanos;
    private final long capNanos;
    private final RandomGenerator random;

    Backoff(long baseNanos, long capNanos, RandomGenerator random) {
        if (baseNanos <= 0 || capNanos < baseNanos) {
            throw new IllegalArgumentException("backoff needs 0 < base <= cap, got base " + baseNanos + " ns, cap "
                    + capNanos + " ns");
        }
        this.baseNanos = baseNanos;
        this.capNanos = capNanos;
        this.random = random;
    }

    /** The upper bound of the delay before retry {@code retry}: {@code min(cap, base * 2^retry)}, overflow-safe. */
    long ceilingNanos(int retry) {
        if (retry < 0) {
            throw new IllegalArgumentException("retry must be >= 0, got " + retry);
        }
        if (retry >= 63 || baseNanos > (capNanos >> retry)) {
            return capNanos;
        }
        return Math.min(capNanos, baseNanos << retry);
    }

    /** A random delay in {@code [0, ceilingNanos(retry)]}. */
    long delayNanos(int retry) {
        long ceiling = ceilingNanos(retry);
        // The generator may not be thread-safe (and a seeded one must give a reproducible sequence).
        synchronized (random) {
            return random.nextLong(ceiling + 1);
        }
    }
}
