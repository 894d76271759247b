package io.raftkv.cli;

import io.raftkv.client.ClusterStatus;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.RaftKvException;
import io.raftkv.launcher.NodeProcess;
import io.raftkv.launcher.Units;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The node processes of a local cluster, through the one launcher ({@link NodeProcess}): start, find by pid
 * (only while the command line names the node's data directory), stop, ask for status, wait for a leader.
 */
final class LocalNodes implements AutoCloseable {
    /**
     * How long one Status call may take. A healthy node answers in milliseconds, but the first call of a
     * fresh CLI JVM pays for class loading and the connection, which can take a second on a busy laptop.
     */
    private static final Duration POLL = Duration.ofSeconds(3);
    private static final long POLL_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final LocalCluster cluster;
    private final RaftKvClient client;

    LocalNodes(LocalCluster cluster) {
        this.cluster = cluster;
        this.client = cluster.client(RaftKvClient.builder().endpoints(cluster.nodes().stream().map(LocalCluster.Node::clientAddress)
                .toList()).requestTimeout(POLL).attemptTimeout(POLL));
    }

    /** The process of node {@code n} if it runs (alive or paused). */
    Optional<NodeProcess> process(LocalCluster.Node n) {
        return NodeProcess.find(n.pid(), cluster.dataDir(n.id()).toString());
    }

    NodeProcess.State state(LocalCluster.Node n) {
        return process(n).map(NodeProcess::state).orElse(NodeProcess.State.DEAD);
    }

    NodeProcess running(LocalCluster.Node n) {
        return process(n).orElseThrow(() -> CliException.failed(
                "node " + n.id() + " is not running (start it with 'raftkv local restart " + n.id() + "')"));
    }

    /** Starts node {@code n} in the background, detached from this command; its pid. */
    static long start(LocalCluster cluster, LocalCluster.Node n) {
        try {
            return NodeProcess.start(cluster.command(n.id()), cluster.nodeDir(n.id()), cluster.logFile(n.id()),
                    NodeProcess.Lifetime.DETACHED, cluster.dataDir(n.id()).toString()).pid();
        } catch (java.io.UncheckedIOException e) {
            throw CliException.failed(e.getMessage());
        }
    }

    /**
     * Creates node {@code n}'s data directory from a backup with the server jar's offline {@code backup restore},
     * as an operator runs it on every member of a new cluster (same file, same --initial-cluster).
     */
    static void restore(LocalCluster cluster, LocalCluster.Node n, Path backup) {
        List<String> cmd = new ArrayList<>(cluster.launcher(n));
        cmd.addAll(List.of("backup", "restore", backup.toString(), "--id", Long.toString(n.id()),
                "--data-dir", cluster.dataDir(n.id()).toString(), "--initial-cluster", cluster.founders(),
                "--cluster-token", cluster.token()));
        Path log = cluster.nodeDir(n.id()).resolve("restore.log");
        int code;
        try {
            Files.createDirectories(cluster.nodeDir(n.id()));
            code = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start().waitFor();
        } catch (IOException e) {
            throw CliException.failed("cannot run the restore of node " + n.id() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failed("interrupted while restoring node " + n.id());
        }
        if (code != 0) {
            throw CliException.failed("restoring node " + n.id() + " from " + backup + " failed (exit " + code + "): "
                    + String.join(" / ", NodeProcess.tail(log, 5)));
        }
    }

    /** The node's own status, if it answers within the poll timeout. */
    Optional<ClusterStatus> status(LocalCluster.Node n) {
        try {
            return Optional.of(client.status(n.clientAddress()));
        } catch (RaftKvException e) {
            return Optional.empty();
        }
    }

    /** Node N, the node that claims leadership in the highest term ("leader"), or every running node ("all"). */
    List<LocalCluster.Node> pick(String target) {
        if (target.equals("all")) {
            return cluster.nodes();
        }
        if (!target.equals("leader")) {
            return List.of(cluster.node(LocalCommands.parseId(target, "N|leader|all")));
        }
        ClusterStatus best = null;
        for (LocalCluster.Node n : cluster.nodes()) {
            if (state(n) != NodeProcess.State.ALIVE) {
                continue;
            }
            Optional<ClusterStatus> s = status(n);
            if (s.isPresent() && s.get().role() == ClusterStatus.Role.LEADER && (best == null || s.get().term() > best.term())) {
                best = s.get();
            }
        }
        if (best == null) {
            throw CliException.failed("no node is leader right now (see 'raftkv local status')");
        }
        return List.of(cluster.node(best.nodeId()));
    }

    /**
     * Polls status until every node answers and all agree on one leader that says it leads: then clients can
     * use any endpoint at once. Fails early when a node process dies (a bind error, a bad data dir).
     */
    ClusterStatus awaitLeader(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<Long, ClusterStatus> answers = new LinkedHashMap<>();
            for (LocalCluster.Node n : cluster.nodes()) {
                if (state(n) == NodeProcess.State.DEAD) {
                    throw CliException.failed("node " + n.id() + " (pid " + n.pid() + ") exited");
                }
                status(n).ifPresent(s -> answers.put(n.id(), s));
            }
            Map<Long, Long> leaders = new HashMap<>();
            answers.values().forEach(s -> leaders.merge(s.leaderId(), 1L, Long::sum));
            if (answers.size() == cluster.nodes().size() && leaders.size() == 1) {
                ClusterStatus leader = answers.get(leaders.keySet().iterator().next());
                if (leader != null && leader.role() == ClusterStatus.Role.LEADER) {
                    return leader;
                }
            }
            if (System.nanoTime() > end) {
                throw CliException.failed("no leader elected within " + Units.format(timeout) + " (" + answers.size() + " of "
                        + cluster.nodes().size() + " nodes answered, leaders seen: " + leaders.keySet() + ")");
            }
            LockSupport.parkNanos(POLL_INTERVAL_NANOS);
        }
    }

    /** Waits until node {@code n} answers; fails early if its process exits. */
    void awaitAnswer(LocalCluster.Node n, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (status(n).isEmpty()) {
            if (state(n) == NodeProcess.State.DEAD) {
                throw CliException.failed("node " + n.id() + " (pid " + n.pid() + ") exited");
            }
            if (System.nanoTime() > end) {
                throw CliException.failed("node " + n.id() + " did not answer within " + Units.format(timeout));
            }
            LockSupport.parkNanos(POLL_INTERVAL_NANOS);
        }
    }

    /** SIGTERM to every running node at once (paused ones are continued first), then SIGKILL after {@code grace}. */
    List<String> stop(List<LocalCluster.Node> nodes, Duration grace) {
        Map<LocalCluster.Node, NodeProcess> running = new LinkedHashMap<>();
        for (LocalCluster.Node n : nodes) {
            process(n).ifPresent(p -> {
                ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroy);
                running.put(n, p);
            });
        }
        long end = System.nanoTime() + grace.toNanos();
        List<String> lines = new ArrayList<>();
        for (LocalCluster.Node n : nodes) {
            NodeProcess p = running.get(n);
            if (p == null) {
                lines.add("node " + n.id() + " was not running");
            } else if (p.stop(Duration.ofNanos(Math.max(0, end - System.nanoTime())))) {
                lines.add("stopped node " + n.id() + " (pid " + n.pid() + ")");
            } else {
                lines.add("killed node " + n.id() + " (pid " + n.pid() + ") after " + Units.format(grace));
            }
        }
        return lines;
    }

    @Override
    public void close() {
        client.close();
    }
}
