package io.raftkv.client;

/**
 * The monotonic clock the client measures deadlines, backoff and circuit-breaker periods with. Inject a
 * fake one in tests to control time; production code uses {@link #system()}.
 */
@FunctionalInterface
public interface TimeSource {
    /** Monotonic nanoseconds, as {@link System#nanoTime()}: only differences are meaningful. */
    long nanoTime();

    /** {@link System#nanoTime()}. */
    static TimeSource system() {
        return System::nanoTime;
    }
}
