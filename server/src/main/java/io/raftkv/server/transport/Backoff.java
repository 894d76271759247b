package io.raftkv.server.transport;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter (a uniformly random delay in [0, min(cap, base * 2^attempt)]):
 * when a peer comes back, its N neighbours do not all reconnect in the same instant.
 */
record Backoff(Duration base, Duration cap) {
    long delayNanos(int attempt) {
        long baseNanos = base.toNanos();
        long capNanos = cap.toNanos();
        // Past 2^30 the shift would overflow long long before it matters: the cap applies anyway.
        long ceiling = attempt >= 30 ? capNanos : Math.min(capNanos, baseNanos << attempt);
        if (ceiling <= 0) {
            ceiling = capNanos;
        }
        return ThreadLocalRandom.current().nextLong(ceiling + 1);
    }
}
