package io.raftkv.cli;

import io.raftkv.client.ClusterStatus;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.RaftKvException;
import io.raftkv.server.RaftKvServer;
import io.raftkv.server.ServerConfig;
import io.raftkv.server.ServerTestSupport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Real raftkv nodes in this JVM over loopback gRPC, 50 ms ticks (elections take 0.5-1 s even on a loaded
 * machine). What the CLI is tested against where only a real server answers truthfully (refusals, removals).
 */
final class RealCluster implements AutoCloseable {
    final TreeMap<Long, String> peerAddrs = new TreeMap<>();
    final TreeMap<Long, String> clientAddrs = new TreeMap<>();
    private final TreeMap<Long, RaftKvServer> servers = new TreeMap<>();
    private final RaftKvClient control;

    RealCluster(Path root, int n) {
        int[] ports = ServerTestSupport.freePorts(2 * n);
        for (long id = 1; id <= n; id++) {
            peerAddrs.put(id, "127.0.0.1:" + ports[(int) (2 * (id - 1))]);
            clientAddrs.put(id, "127.0.0.1:" + ports[(int) (2 * (id - 1) + 1)]);
        }
        for (long id = 1; id <= n; id++) {
            ServerConfig base = ServerConfig.of(id, peerAddrs, clientAddrs.get(id), root.resolve("n" + id));
            servers.put(id, RaftKvServer.start(new ServerConfig(base.nodeId(), base.clusterToken(), base.initialCluster(),
                    base.clientListen(), base.peerListen(), base.dataDir(), Duration.ofMillis(50), 10, 1, base.limits(),
                    Duration.ofSeconds(3), base.snapshotEvery(), base.retainEntries(), false, null, null)));
        }
        control = RaftKvClient.builder().endpoints(endpoints()).requestTimeout(Duration.ofSeconds(2)).build();
    }

    List<String> endpoints() {
        return new ArrayList<>(clientAddrs.values());
    }

    String endpointsFlag() {
        return "--endpoints=" + String.join(",", endpoints());
    }

    ClusterStatus status(long id) {
        return control.status(clientAddrs.get(id));
    }

    /** Waits until every node agrees on one leader that says it leads, and returns it. */
    long awaitLeader() {
        long[] found = new long[1];
        await(Duration.ofSeconds(20), "a leader agreed on by every node", () -> {
            long leader = 0;
            for (long id : servers.keySet()) {
                ClusterStatus s = status(id);
                if (s.leaderId() == 0 || (leader != 0 && s.leaderId() != leader)) {
                    return false;
                }
                leader = s.leaderId();
            }
            found[0] = leader;
            return leader != 0 && status(leader).role() == ClusterStatus.Role.LEADER;
        });
        return found[0];
    }

    /** Polls {@code condition} until it holds or time runs out (never a sleep-and-hope). */
    static void await(Duration max, String what, BooleanSupplier condition) {
        long until = System.nanoTime() + max.toNanos();
        String last = "";
        while (System.nanoTime() < until) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RaftKvException e) {
                last = e.toString();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        throw new AssertionError("timed out waiting for " + what + (last.isEmpty() ? "" : " (last error: " + last + ")"));
    }

    @Override
    public void close() {
        control.close();
        servers.values().forEach(RaftKvServer::close);
    }
}
