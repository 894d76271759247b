package io.raftkv.client;

/**
 * Where the client runs delayed work (backoff, keep-alives). The production implementation wraps the
 * client's own scheduled executor; tests substitute one driven by a fake {@link TimeSource}.
 */
interface Scheduler {
    /** A scheduled task that can be cancelled. */
    interface Task {
        void cancel();
    }

    /** Runs {@code task} after {@code delayNanos} (at once if {@code <= 0}). */
    Task schedule(Runnable task, long delayNanos);

    /** Runs {@code task} every {@code periodNanos}, first after one period. */
    Task scheduleEvery(Runnable task, long periodNanos);
}
