package io.raftkv.chaos;

import java.util.Optional;

/**
 * A node's resident memory from {@code /proc/<pid>/status}: what the JVM really holds (heap, metaspace,
 * RocksDB's native memory), and the kernel's high-water mark, which catches a peak between two samples.
 * The server exports no heap metrics, and attaching jcmd to a node under load would disturb it more than
 * reading a file.
 *
 * @param rssKiB  VmRSS now
 * @param peakKiB VmHWM: the largest VmRSS of this process so far
 */
record NodeMemory(long rssKiB, long peakKiB) {
    /** Parses the VmRSS and VmHWM lines of a status file; empty if either is missing. */
    static Optional<NodeMemory> parse(String procStatus) {
        long rss = -1;
        long hwm = -1;
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                rss = kib(line);
            } else if (line.startsWith("VmHWM:")) {
                hwm = kib(line);
            }
        }
        return rss < 0 || hwm < 0 ? Optional.empty() : Optional.of(new NodeMemory(rss, hwm));
    }

    private static long kib(String line) {
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        try {
            return Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
