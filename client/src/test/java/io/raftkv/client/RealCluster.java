package io.raftkv.client;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.Role;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.StatusResponse;
import io.raftkv.proto.TransferLeadershipRequest;
import io.raftkv.server.RaftKvServer;
import io.raftkv.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Real raftkv nodes in this JVM over real gRPC on loopback (adapted from the server's TestCluster): 50 ms
 * ticks, so elections take 0.5-1 s even on a loaded 2-core machine. Nodes stop gracefully and restart on
 * the same ports and data directories. Control traffic (status, leadership transfer) uses raw stubs, not
 * the client under test.
 */
final class RealCluster implements AutoCloseable {
    static final Duration TICK = Duration.ofMillis(50);

    private final Path root;
    final TreeMap<Long, String> peerAddrs = new TreeMap<>();
    final TreeMap<Long, String> clientAddrs = new TreeMap<>();
    private final TreeMap<Long, RaftKvServer> servers = new TreeMap<>();
    private final TreeMap<Long, ManagedChannel> channels = new TreeMap<>();
    /** TLS per node (plaintext by default), and how the control channels reach the client ports. */
    private final java.util.function.LongFunction<ServerConfig.Security> security;
    private final io.grpc.ChannelCredentials control;

    RealCluster(Path root, int n) {
        this(root, n, id -> ServerConfig.Security.PLAINTEXT, io.grpc.InsecureChannelCredentials.create());
    }

    RealCluster(Path root, int n, java.util.function.LongFunction<ServerConfig.Security> security,
                io.grpc.ChannelCredentials control) {
        this.root = root;
        this.security = security;
        this.control = control;
        int[] ports = io.raftkv.server.ServerTestSupport.freePorts(2 * n);
        for (long id = 1; id <= n; id++) {
            peerAddrs.put(id, "127.0.0.1:" + ports[(int) (2 * (id - 1))]);
            clientAddrs.put(id, "127.0.0.1:" + ports[(int) (2 * (id - 1) + 1)]);
        }
        for (long id = 1; id <= n; id++) {
            start(id);
        }
    }

    List<String> endpoints() {
        return new ArrayList<>(clientAddrs.values());
    }

    private ServerConfig config(long id) {
        ServerConfig base = ServerConfig.of(id, peerAddrs, clientAddrs.get(id), root.resolve("n" + id));
        return new ServerConfig(base.nodeId(), base.clusterToken(), base.initialCluster(), base.clientListen(),
                base.peerListen(), base.dataDir(), TICK, 10, 1, base.limits(), Duration.ofSeconds(3), base.snapshotEvery(),
                base.retainEntries(), false, null, null).withSecurity(security.apply(id));
    }

    synchronized void start(long id) {
        servers.put(id, RaftKvServer.start(config(id)));
    }

    /** Graceful stop: a leader hands leadership over first. */
    void stop(long id) {
        RaftKvServer s;
        synchronized (this) {
            s = servers.remove(id);
        }
        if (s != null) {
            s.close();
        }
    }

    /** Crash-stop: no leadership transfer, nothing flushed beyond what was synced (as SIGKILL). */
    void kill(long id) {
        RaftKvServer s;
        synchronized (this) {
            s = servers.remove(id);
        }
        if (s != null) {
            io.raftkv.server.ServerTestSupport.kill(s);
        }
    }

    synchronized List<Long> running() {
        return new ArrayList<>(servers.keySet());
    }

    private synchronized ClusterGrpc.ClusterBlockingStub cluster(long id) {
        ManagedChannel ch = channels.computeIfAbsent(id,
                k -> NettyChannelBuilder.forTarget(clientAddrs.get(k), control).build());
        return ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS);
    }

    StatusResponse status(long id) {
        return cluster(id).status(StatusRequest.getDefaultInstance());
    }

    /** Waits until the running nodes agree on one leader and returns it. */
    long awaitLeader() {
        long[] found = new long[1];
        await(Duration.ofSeconds(15), "a leader agreed on by every running node", () -> {
            long leader = 0;
            for (long id : running()) {
                StatusResponse s = status(id);
                if (s.getLeaderId() == 0 || (leader != 0 && s.getLeaderId() != leader)) {
                    return false;
                }
                leader = s.getLeaderId();
            }
            found[0] = leader;
            return leader != 0 && running().contains(leader) && status(leader).getRole() == Role.LEADER;
        });
        return found[0];
    }

    /** Asks the leader to hand leadership to {@code target} and waits until every running node follows it. */
    void transferLeadership(long target) {
        await(Duration.ofSeconds(15), "leadership to move to node " + target, () -> {
            long leader = awaitLeader();
            if (leader == target) {
                return true;
            }
            cluster(leader).transferLeadership(TransferLeadershipRequest.newBuilder().setTargetId(target).build());
            return false;
        });
    }

    /** Waits until node {@code id} has applied at least what the leader has committed. */
    void awaitCaughtUp(long id) {
        await(Duration.ofSeconds(15), "node " + id + " to catch up", () -> {
            long commit = status(awaitLeader()).getCommitIndex();
            return status(id).getAppliedIndex() >= commit;
        });
    }

    /** Polls {@code condition} until it holds or time runs out (never a sleep-and-hope). */
    static void await(Duration max, String what, BooleanSupplier condition) {
        long until = System.nanoTime() + max.toNanos();
        String lastError = "";
        while (System.nanoTime() - until < 0) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (StatusRuntimeException | AssertionError e) {
                lastError = e.toString();
            }
            LockSupport.parkNanos(TICK.toNanos());
        }
        throw new AssertionError("timed out after " + max + " waiting for " + what
                + (lastError.isEmpty() ? "" : "; last error: " + lastError));
    }

    @Override
    public void close() {
        synchronized (this) {
            channels.values().forEach(ManagedChannel::shutdownNow);
            channels.clear();
        }
        for (long id : running()) {
            stop(id);
        }
    }
}
