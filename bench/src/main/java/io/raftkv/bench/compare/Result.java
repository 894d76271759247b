package io.raftkv.bench.compare;

import java.util.List;
import java.util.Map;

/**
 * What one system did in one cell of one round.
 *
 * @param system          raftkv or etcd
 * @param round           1-based
 * @param cell            workload and clients
 * @param seconds         length of the measured period
 * @param ops             operations completed successfully in it
 * @param opsPerSecond    ops / seconds
 * @param p50Ms           latency percentiles of the successful operations, ms (NaN without any)
 * @param p99Ms           .
 * @param p999Ms          .
 * @param maxMs           .
 * @param errors          failed operations in the measured period, by kind
 * @param warmupErrors    failed operations during the warm-up
 * @param leaderChanges   most leader changes any node saw during the cell (warm-up included)
 * @param cpuMsPer1000    CPU (user + system) of the three server processes per 1,000 operations, ms
 * @param rssMiB          per node: the largest resident set seen during the cell, MiB
 * @param entriesPerFsync log entries committed per WAL fsync over the three nodes (NaN when no entries were
 *                        committed: reads write nothing)
 * @param leaderNode      the node that led at the end of the measured period (-1: unknown)
 * @param cpuMsPer1000ByNode each node's share of {@code cpuMsPer1000} (where the work lands: the leader, or all)
 */
record Result(String system, int round, Cell cell, double seconds, long ops, double opsPerSecond, double p50Ms,
              double p99Ms, double p999Ms, double maxMs, Map<String, Long> errors, long warmupErrors,
              long leaderChanges, double cpuMsPer1000, List<Long> rssMiB, double entriesPerFsync, int leaderNode,
              List<Double> cpuMsPer1000ByNode) {
    Result {
        errors = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(errors));
        rssMiB = List.copyOf(rssMiB);
        cpuMsPer1000ByNode = List.copyOf(cpuMsPer1000ByNode);
    }

    long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The largest node's peak RSS (NaN-free: 0 if nothing was read). */
    long maxRssMiB() {
        return rssMiB.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
