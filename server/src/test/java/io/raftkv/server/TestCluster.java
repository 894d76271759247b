package io.raftkv.server;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.Role;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * Real nodes in this JVM over real gRPC on 127.0.0.1: 50 ms ticks, so elections take 0.5-1 s even on a loaded 2-core machine.
 * Nodes can be stopped (gracefully) and restarted on the same ports and data directories.
 */
final class TestCluster implements AutoCloseable {
    static final Duration TICK = Duration.ofMillis(50);

    final Path root;
    final TreeMap<Long, String> peerAddrs = new TreeMap<>();
    /** The founding members' peer addresses: their --initial-cluster, whoever joins later. */
    final TreeMap<Long, String> founders = new TreeMap<>();
    /** Nodes that joined at runtime: id to the cluster id they were given. */
    final TreeMap<Long, Long> joined = new TreeMap<>();
    final TreeMap<Long, String> clientAddrs = new TreeMap<>();
    final TreeMap<Long, RaftKvServer> servers = new TreeMap<>();
    final TreeMap<Long, ManagedChannel> channels = new TreeMap<>();
    private final UnaryOperator<ServerConfig> tweak;
    /** How the test's own channels reach the client ports (TLS clusters set it before the first query). */
    volatile io.grpc.ChannelCredentials clientCredentials = io.grpc.InsecureChannelCredentials.create();

    TestCluster(Path root, int n, UnaryOperator<ServerConfig> tweak) {
        this(root, n, tweak, c -> { });
    }

    /** {@code beforeStart} runs once the addresses are chosen and before any node starts (to restore data directories). */
    TestCluster(Path root, int n, UnaryOperator<ServerConfig> tweak, java.util.function.Consumer<TestCluster> beforeStart) {
        this.root = root;
        this.tweak = tweak;
        int[] ports = ServerTestSupport.freePorts(2 * n);
        for (long id = 1; id <= n; id++) {
            peerAddrs.put(id, "127.0.0.1:" + ports[(int) (2 * (id - 1))]);
            clientAddrs.put(id, "127.0.0.1:" + ports[(int) (2 * (id - 1) + 1)]);
        }
        founders.putAll(peerAddrs);
        beforeStart.accept(this);
        for (long id = 1; id <= n; id++) {
            start(id);
        }
    }

    ServerConfig config(long id) {
        Long joinedCluster = joined.get(id);
        // A joiner is told every node known so far (etcd's rule); founders keep their founding list.
        ServerConfig base = ServerConfig.of(id, joinedCluster == null ? founders : peerAddrs, clientAddrs.get(id),
                root.resolve("n" + id));
        ServerConfig c = tweak.apply(new ServerConfig(base.nodeId(), base.clusterToken(), base.initialCluster(),
                base.clientListen(), base.peerListen(), base.dataDir(), TICK, 10, 1, base.limits(), Duration.ofSeconds(3),
                base.snapshotEvery(), base.retainEntries(), false, null, null));
        return joinedCluster == null ? c : c.joiningCluster(joinedCluster);
    }

    /** Reserves ports for a new node {@code id} (not started, not a member yet). */
    void reserve(long id) {
        int[] ports = ServerTestSupport.freePorts(2);
        peerAddrs.put(id, "127.0.0.1:" + ports[0]);
        clientAddrs.put(id, "127.0.0.1:" + ports[1]);
    }

    /** Starts node {@code id} (reserved, and added with AddMember) joining the running cluster. */
    void startJoining(long id, long clusterId) {
        joined.put(id, clusterId);
        start(id);
    }

    void start(long id) {
        servers.put(id, RaftKvServer.start(config(id), faults.get(id)));
    }

    /** Every node with a metrics endpoint on a free port. */
    static final java.util.function.UnaryOperator<ServerConfig> WITH_METRICS = x -> new ServerConfig(x.nodeId(),
            x.clusterToken(), x.initialCluster(), x.clientListen(), x.peerListen(), x.dataDir(), x.tick(), x.electionTicks(),
            x.heartbeatTicks(), x.limits(), x.requestTimeout(), x.snapshotEvery(), x.retainEntries(), false, null,
            "127.0.0.1:0");

    /** Storage fault shims per node, for nodes started after they are set (tests that fail a disk). */
    final java.util.Map<Long, io.raftkv.storage.StorageFaults> faults = new java.util.HashMap<>();

    RaftKvServer server(long id) {
        return servers.get(id);
    }

    void stop(long id) {
        RaftKvServer s = servers.remove(id);
        if (s != null) {
            s.close();
        }
    }

    /** Crash-stop: no leadership transfer, nothing flushed beyond what was synced. */
    void kill(long id) {
        RaftKvServer s = servers.remove(id);
        if (s != null) {
            s.kill();
        }
        ManagedChannel ch = channels.remove(id);
        if (ch != null) {
            ch.shutdownNow();
        }
    }

    KVGrpc.KVBlockingStub kv(long id) {
        return KVGrpc.newBlockingStub(channel(id)).withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    ClusterGrpc.ClusterBlockingStub cluster(long id) {
        return ClusterGrpc.newBlockingStub(channel(id)).withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    ManagedChannel channel(long id) {
        return channels.computeIfAbsent(id, k -> NettyChannelBuilder.forTarget(clientAddrs.get(k), clientCredentials).build());
    }

    StatusResponse status(long id) {
        return cluster(id).status(StatusRequest.getDefaultInstance());
    }

    /** Waits until the running nodes agree on one leader and returns it. */
    long awaitLeader() {
        return awaitLeaderAmong(servers.keySet().stream().mapToLong(Long::longValue).toArray());
    }

    /** Waits until nodes {@code ids} (running) agree on one leader and returns it. */
    long awaitLeaderAmong(long... ids) {
        return awaitLeader(Duration.ofSeconds(10), ids);
    }

    /** Waits up to {@code max} until the running nodes agree on one leader and returns it. */
    long awaitLeaderWithin(Duration max) {
        return awaitLeader(max, servers.keySet().stream().mapToLong(Long::longValue).toArray());
    }

    private long awaitLeader(Duration max, long... ids) {
        long[] found = new long[1];
        await(max, "a leader agreed on by nodes " + java.util.Arrays.toString(ids), () -> {
            long leader = 0;
            for (long id : ids) {
                StatusResponse s = status(id);
                if (s.getLeaderId() == 0 || (leader != 0 && s.getLeaderId() != leader)) {
                    return false;
                }
                leader = s.getLeaderId();
            }
            found[0] = leader;
            return leader != 0 && servers.containsKey(leader) && status(leader).getRole() == Role.LEADER;
        });
        return found[0];
    }

    long follower() {
        long leader = awaitLeader();
        return servers.keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
    }

    /** Polls {@code condition} (a status query, never a sleep-and-hope) until it holds or time runs out. */
    static void await(Duration max, String what, BooleanSupplier condition) {
        long until = System.nanoTime() + max.toNanos();
        List<String> errors = new ArrayList<>();
        while (System.nanoTime() - until < 0) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (StatusRuntimeException e) {
                errors.add(e.getStatus().toString());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TICK.toNanos());
        }
        throw new AssertionError("timed out after " + max + " waiting for " + what
                + (errors.isEmpty() ? "" : "; last errors: " + errors.subList(Math.max(0, errors.size() - 3), errors.size())));
    }

    static ErrorDetail detail(StatusRuntimeException e) {
        Metadata t = e.getTrailers();
        return t == null ? null : t.get(GrpcErrors.DETAIL_KEY);
    }

    @Override
    public void close() {
        channels.values().forEach(c -> {
            c.shutdownNow();
            try {
                c.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        channels.clear();
        for (long id : List.copyOf(servers.keySet())) {
            stop(id);
        }
    }
}
