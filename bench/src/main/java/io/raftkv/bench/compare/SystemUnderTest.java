package io.raftkv.bench.compare;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A 3-node cluster the comparison starts, measures, breaks and throws away: raftkv ({@link RaftkvSystem}) or
 * etcd ({@link EtcdSystem}). Nodes are numbered 0..2. Every cluster lives in a fresh directory and is
 * registered with {@link Cleanup} while it runs, so no process or directory outlives the benchmark.
 */
interface SystemUnderTest extends AutoCloseable {
    /** {@code raftkv} or {@code etcd}: the name in the table, JSON and chart. */
    String name();

    /** Version and settings worth recording next to the numbers (binary, JVM flags, ...). */
    Map<String, String> describe();

    /** Starts a fresh cluster (new data directories) and returns once every node agrees on one leader. */
    void start(Duration timeout);

    /** The pid of node {@code i}'s server process, 0 while it is not running. */
    long pid(int node);

    int size();

    /** The node's Prometheus metrics, read into the few numbers the comparison uses. */
    Counters counters(int node) throws IOException;

    /** The client object the generator shares between its threads. */
    Driver connect(Driver.Settings settings);

    /**
     * SIGKILL node {@code i}'s process (no goodbye, nothing flushed) and wait until it is gone.
     *
     * @return {@link System#nanoTime()} right after the signal was sent: from then on the node runs no code
     *         (a clock started before the signal would credit requests the node still answered)
     */
    long kill(int node);

    /** Starts node {@code i} again with its data; returns once its process runs (it may still be catching up). */
    void restart(int node, Duration timeout);

    /** Stops every node (SIGKILL: the data is thrown away) and deletes the cluster's directory. Idempotent. */
    @Override
    void close();

    /**
     * One node's view, from its metrics endpoint (raftkv: {@code raftkv_server_*}, {@code raftkv_disk_*};
     * etcd: {@code etcd_server_*}, {@code etcd_disk_*}).
     *
     * @param leaderChanges times the node saw a new leader (counter)
     * @param fsyncs        WAL fsyncs so far (the fsync latency histogram's count)
     * @param committed     its commit index
     * @param applied       its applied index
     * @param isLeader      it leads now
     * @param hasLeader     it knows a leader
     */
    record Counters(double leaderChanges, double fsyncs, double committed, double applied, boolean isLeader,
                    boolean hasLeader) {
    }

    /**
     * Polls every running node until exactly one says it leads and every running node knows a leader.
     *
     * @return the leader's index
     * @throws IllegalStateException with what was seen last if that does not happen within {@code timeout}
     */
    default int awaitLeader(Duration timeout) {
        return Poll.until(timeout, "a leader that every running " + name() + " node agrees on", () -> {
            int leader = -1;
            for (int i = 0; i < size(); i++) {
                if (pid(i) == 0) {
                    continue;
                }
                Counters c;
                try {
                    c = counters(i);
                } catch (IOException e) {
                    return Poll.notYet("node " + i + " does not answer on its metrics address: " + e.getMessage());
                }
                if (!c.hasLeader()) {
                    return Poll.notYet("node " + i + " knows no leader");
                }
                if (c.isLeader()) {
                    if (leader >= 0) {
                        return Poll.notYet("nodes " + leader + " and " + i + " both say they lead");
                    }
                    leader = i;
                }
            }
            return leader >= 0 ? Poll.done(leader) : Poll.notYet("no running node says it leads");
        });
    }

    /** Live pids of the running nodes (for CPU and RSS readings). */
    default List<Long> pids() {
        List<Long> out = new java.util.ArrayList<>();
        for (int i = 0; i < size(); i++) {
            out.add(pid(i));
        }
        return out;
    }
}
