package io.raftkv.bench.compare;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Waiting for a condition: check it, and again every {@value #INTERVAL_MS} ms until it holds or the
 * deadline passes, then fail with what was seen last (never a fixed sleep that hopes it is long enough).
 */
final class Poll {
    static final long INTERVAL_MS = 50;

    /** The answer of one check: done with a value, or not yet with a reason. */
    record Check<T>(boolean done, T value, String reason) {
    }

    private Poll() {
    }

    static <T> Check<T> done(T value) {
        return new Check<>(true, value, null);
    }

    static <T> Check<T> notYet(String reason) {
        return new Check<>(false, null, reason);
    }

    static <T> T until(Duration timeout, String what, Supplier<Check<T>> check) {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "not checked";
        while (true) {
            Check<T> c = check.get();
            if (c.done()) {
                return c.value();
            }
            last = c.reason();
            if (System.nanoTime() - end > 0) {
                throw new IllegalStateException("no " + what + " within " + Units.duration(timeout) + " (last: " + last + ")");
            }
            pause(INTERVAL_MS);
        }
    }

    /** Sleeps for a fixed time: only for pacing a benchmark phase, never to wait for a condition. */
    static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Holds for the length of a benchmark phase (a warm-up or a measured period). */
    static void hold(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            pause(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
        }
    }
}
