package io.raftkv.client;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to. */
final class FakeTime implements TimeSource {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    void advance(Duration d) {
        advanceNanos(d.toNanos());
    }

    void advanceNanos(long n) {
        nanos.addAndGet(n);
    }
}
