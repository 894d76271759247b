package io.raftkv.client;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs delayed work at once, after moving the fake clock forward by the delay, and records every delay:
 * backoff timing becomes an exact, sleep-free assertion. Periodic tasks are only recorded; tests fire them.
 */
final class ManualScheduler implements Scheduler {
    private final FakeTime time;
    final List<Long> delays = new CopyOnWriteArrayList<>();
    final List<Runnable> periodic = new CopyOnWriteArrayList<>();

    ManualScheduler(FakeTime time) {
        this.time = time;
    }

    @Override
    public Task schedule(Runnable task, long delayNanos) {
        delays.add(delayNanos);
        time.advanceNanos(Math.max(0, delayNanos));
        task.run();
        return () -> { };
    }

    @Override
    public Task scheduleEvery(Runnable task, long periodNanos) {
        periodic.add(task);
        return () -> periodic.remove(task);
    }

    void firePeriodic() {
        new ArrayList<>(periodic).forEach(Runnable::run);
    }
}
