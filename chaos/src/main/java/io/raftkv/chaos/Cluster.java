package io.raftkv.chaos;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.StatusResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Control over a cluster under test, whatever runs it (local processes now, containers later). Node ids
 * are 1..n. Every fault is undone by its opposite (kill/start, pause/resume, partition/heal), and
 * {@link #heal()} undoes every network fault at once.
 */
interface Cluster extends AutoCloseable {
    /** A node's own view, from the Cluster.Status RPC. */
    record Status(int node, String role, long term, long leaderId, String leaderAddress, long commitIndex,
                  long appliedIndex) {
        boolean isLeader() {
            return "LEADER".equals(role);
        }
    }

    List<Integer> nodes();

    /** How clients reach the nodes' client ports: plaintext unless the cluster runs TLS. */
    default io.grpc.ChannelCredentials clientCredentials() {
        return io.grpc.InsecureChannelCredentials.create();
    }

    /** The same for the client library: null for plaintext. */
    default io.raftkv.client.TlsOptions clientTls() {
        return null;
    }

    /** host:port of a node's client API. */
    String clientAddress(int node);

    /** How a node runs, for the report (a command line, an image): enough to reproduce it by hand. */
    default String describe(int node) {
        return "node " + node + " serving clients on " + clientAddress(node);
    }

    /** Starts every node and waits until each answers on its client API. */
    void start();

    /** Starts one stopped or killed node (same ports, same data) and waits until it answers. */
    void start(int node);

    /** Graceful stop (SIGTERM): a leader hands over first. */
    void stop(int node);

    /** Crash (SIGKILL): no goodbye, only what reached the disk survives. */
    void kill(int node);

    /** Kill, then start. */
    default void restart(int node) {
        kill(node);
        start(node);
    }

    /**
     * Replaces the member in slot {@code node} the way an operator replaces a machine: removes its Raft id
     * through the leader, retires the process, adds a new id as a learner, starts it joining on the slot's
     * ports, and promotes it once caught up. The slot keeps its number, ports and links.
     *
     * @return what was done, for the report
     */
    String replaceMember(int node, Duration timeout);

    /** Freezes the process (SIGSTOP): alive to the network, silent to everyone. */
    void pause(int node);

    void resume(int node);

    boolean isRunning(int node);

    boolean isPaused(int node);

    /** Replaces the current partition (if any) with {@code grudge}; delays and losses are kept. */
    void partition(Grudge grudge);

    /** Adds delay to the given links. */
    void slowLinks(Collection<Link> links, Duration delay, Duration jitter);

    /** Makes the given links lose data with probability {@code loss} per chunk. */
    void lossyLinks(Collection<Link> links, double loss);

    /** Every link back to normal: no partition, delay or loss. */
    void heal();

    /** Every directed link between nodes. */
    List<Link> links();

    /**
     * Every exit a node made on its own so far (not a kill, stop or replacement by the harness), each life
     * once, with its exit code and last log lines. Looks at every node now as well.
     */
    List<NodeExit> unexpectedExits();

    /** The node's resident memory now and its peak, empty when it is not running or cannot be read. */
    Optional<NodeMemory> memory(int node);

    /** The node's status, empty when it does not answer within {@code timeout}. */
    Optional<Status> status(int node, Duration timeout);

    /**
     * The leader as the cluster sees it: among running, unpaused nodes that answer, the one claiming
     * leadership in the highest term (a deposed leader cut off in a minority may still claim an older one).
     */
    default Optional<Integer> leader() {
        Status best = null;
        for (int n : nodes()) {
            if (!isRunning(n) || isPaused(n)) {
                continue;
            }
            Optional<Status> s = status(n, Duration.ofMillis(500));
            if (s.isPresent() && s.get().isLeader() && (best == null || s.get().term() > best.term())) {
                best = s.get();
            }
        }
        return best == null ? Optional.empty() : Optional.of(best.node());
    }

    /**
     * A node's status over {@code channel} (the node's client API), empty when it does not answer within
     * {@code timeout}. Shared by the backends, which differ only in how they reach a node.
     */
    static Optional<Status> status(ManagedChannel channel, int node, Duration timeout) {
        try {
            StatusResponse r = ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .status(StatusRequest.getDefaultInstance());
            return Optional.of(new Status(node, r.getRole().name(), r.getTerm(), r.getLeaderId(), r.getLeaderAddress(),
                    r.getCommitIndex(), r.getAppliedIndex()));
        } catch (StatusRuntimeException e) {
            // A restarted node is reachable again at once: do not let the channel wait out its backoff.
            channel.resetConnectBackoff();
            return Optional.empty();
        }
    }

    /** Stops everything and releases every resource; idempotent. */
    @Override
    void close();
}
