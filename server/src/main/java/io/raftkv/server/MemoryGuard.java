package io.raftkv.server;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * Tells admission when the heap is too full to take more work. It looks at the heap as the last garbage
 * collection left it (live data, not garbage waiting to be collected), summed over the heap pools that
 * report it, against the maximum heap. Cached for a few milliseconds: admission asks on every request.
 */
final class MemoryGuard {
    private static final long RECHECK_NANOS = 5_000_000L;

    private final List<MemoryPoolMXBean> pools;
    private final long maxHeap;
    private final double limitFraction;
    private volatile long checkedAtNanos;
    private volatile boolean pressed;
    private volatile long lastUsed;

    MemoryGuard(double limitFraction) {
        this.limitFraction = limitFraction;
        this.pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported()).toList();
        this.maxHeap = Runtime.getRuntime().maxMemory();
        this.checkedAtNanos = System.nanoTime() - RECHECK_NANOS;
    }

    /** Whether live heap after the last collection is above the limit. */
    boolean underPressure() {
        long now = System.nanoTime();
        if (now - checkedAtNanos >= RECHECK_NANOS) {
            long used = 0;
            for (MemoryPoolMXBean p : pools) {
                MemoryUsage u = p.getCollectionUsage();
                if (u != null) {
                    used += u.getUsed();
                }
            }
            lastUsed = used;
            pressed = maxHeap > 0 && maxHeap != Long.MAX_VALUE && used > limitFraction * maxHeap;
            checkedAtNanos = now;
        }
        return pressed;
    }

    String describe() {
        return String.format("%d MiB of the %d MiB heap live after the last collection (limit %.0f%%)", lastUsed >> 20,
                maxHeap >> 20, limitFraction * 100);
    }
}
