package io.raftkv.server;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.raftkv.raft.StateRole;
import java.util.function.Supplier;

/**
 * What a node tells its monitoring, in Prometheus form (names after etcd's where one exists, so the
 * usual alerts translate): leadership, indexes, WAL fsync latency, load, and every client RPC by method
 * and status code. One registry per server, so several servers in one JVM (tests, benchmarks) do not mix.
 *
 * <p>The alerts worth having are in {@code docs/prometheus/raftkv-alerts.yml} (unit-tested with promtool) and a
 * dashboard in {@code docs/grafana/raftkv-dashboard.json}; {@code MonitoringDocsTest} checks both use only
 * metrics exported here.
 */
final class ServerMetrics {
    /** Fsync latencies from an SSD's sub-millisecond to a failing disk's seconds (etcd uses the same span). */
    private static final String BATCH = io.raftkv.proto.KVGrpc.getBatchMethod().getFullMethodName();
    private static final double[] FSYNC_BUCKETS = {0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256,
            0.512, 1.024, 2.048, 4.096, 8.192};
    private static final double[] RPC_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
            5, 10};

    /** Apply batches and snapshots, from a few entries in memory to a large image on a slow disk. */
    private static final double[] WORK_BUCKETS = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60};

    final PrometheusRegistry registry = new PrometheusRegistry();
    private final Histogram fsync;
    private final Counter leaderChanges;
    private final Counter handled;
    private final Histogram handling;
    private final Counter proposalsApplied;
    private final Counter proposalsFailed;
    private final Counter readIndexRounds;
    private final Counter readsFailed;
    private final Histogram applyDuration;
    private final Histogram snapshotSave;
    private final Histogram snapshotInstall;
    final PeerMetrics peers;

    ServerMetrics() {
        fsync = Histogram.builder().name("raftkv_disk_wal_fsync_duration_seconds")
                .help("Latency of the synced write of one Ready (entries, hard state) to the log")
                .classicUpperBounds(FSYNC_BUCKETS).classicOnly().register(registry);
        leaderChanges = Counter.builder().name("raftkv_server_leader_changes_seen")
                .help("Times this node saw the leader change to a new known leader").register(registry);
        handled = Counter.builder().name("raftkv_grpc_server_handled")
                .help("Client RPCs completed, by method and gRPC status code").labelNames("method", "code")
                .register(registry);
        handling = Histogram.builder().name("raftkv_grpc_server_handling_seconds")
                .help("Client RPC latency, by method").labelNames("method")
                .classicUpperBounds(RPC_BUCKETS).classicOnly().register(registry);
        proposalsApplied = Counter.builder().name("raftkv_server_proposals_applied")
                .help("Log entries this node applied to its state machine").register(registry);
        proposalsFailed = Counter.builder().name("raftkv_server_proposals_failed")
                .help("Proposals this node answered with an error (dropped, overwritten by another leader, timed out)")
                .register(registry);
        readIndexRounds = Counter.builder().name("raftkv_server_read_index_rounds")
                .help("ReadIndex rounds started (one confirms every linearizable read waiting for it)").register(registry);
        readsFailed = Counter.builder().name("raftkv_server_read_indexes_failed")
                .help("Linearizable reads that failed waiting for a ReadIndex round (no leader, timeout)").register(registry);
        applyDuration = Histogram.builder().name("raftkv_server_apply_duration_seconds")
                .help("Time to apply one batch of committed entries to the state machine")
                .classicUpperBounds(WORK_BUCKETS).classicOnly().register(registry);
        snapshotSave = Histogram.builder().name("raftkv_snapshot_save_duration_seconds")
                .help("Time to write one snapshot image of the state machine")
                .classicUpperBounds(WORK_BUCKETS).classicOnly().register(registry);
        snapshotInstall = Histogram.builder().name("raftkv_snapshot_install_duration_seconds")
                .help("Time to install a snapshot received from the leader (verify, ingest, reset the log)")
                .classicUpperBounds(WORK_BUCKETS).classicOnly().register(registry);
        peers = new PeerMetrics(registry);
        io.prometheus.metrics.core.metrics.Info.builder().name("raftkv_server_version")
                .help("The raftkv version this node runs").labelNames("version").register(registry)
                .setLabelValues(Version.current());
        // JVM and process collectors: heap, GC, threads, CPU, resident memory, open file descriptors.
        io.prometheus.metrics.instrumentation.jvm.JvmMetrics.builder().register(registry);
    }

    void applied(int entries, long nanos) {
        proposalsApplied.inc(entries);
        applyDuration.observe(nanos / 1e9);
    }

    void proposalFailed() {
        proposalsFailed.inc();
    }

    void proposalsFailed(int n) {
        if (n > 0) {
            proposalsFailed.inc(n);
        }
    }

    void readIndexRound() {
        readIndexRounds.inc();
    }

    void readFailed() {
        readsFailed.inc();
    }

    void snapshotSaved(long nanos) {
        snapshotSave.observe(nanos / 1e9);
    }

    void snapshotInstalled(long nanos) {
        snapshotInstall.observe(nanos / 1e9);
    }

    private long quotaBytes;

    /** Gauges read from the node when scraped, never pushed by the hot path. */
    void watch(RaftNode node, Supplier<Long> appliedIndex, long quota) {
        this.quotaBytes = quota;
        gauge("raftkv_server_has_leader", "1 if this node knows a leader", () -> node.status().leaderId() != 0 ? 1 : 0);
        gauge("raftkv_server_is_leader", "1 if this node is the leader", () -> node.status().role() == StateRole.LEADER ? 1 : 0);
        gauge("raftkv_server_term", "Current Raft term", () -> node.status().term());
        gauge("raftkv_server_commit_index", "Highest log index known committed", () -> node.status().commit());
        gauge("raftkv_server_last_index", "Last index in this node's log", () -> node.status().lastIndex());
        gauge("raftkv_server_applied_index", "Highest log index applied to the state machine", appliedIndex::get);
        gauge("raftkv_server_halted", "1 if the node stopped its write path after a storage or core failure",
                () -> node.halted() != null ? 1 : 0);
        gauge("raftkv_server_pending_requests", "Client requests admitted and not yet answered", node::inFlight);
        gauge("raftkv_server_proposals_pending", "Proposals appended and waiting to be applied", node::proposalsPending);
        gauge("raftkv_disk_backend_size_bytes", "Bytes the node's database holds (SST files and memtables)",
                () -> node.store().sizeBytes());
        gauge("raftkv_server_state_size_bytes", "Bytes of replicated state (keys, values, sessions) this node holds",
                () -> Math.max(0, node.usage().stateBytes()));
        gauge("raftkv_server_quota_backend_bytes", "The state size past which the NOSPACE alarm is raised",
                () -> quotaBytes);
        gauge("raftkv_disk_free_bytes", "Free bytes on the disk of the data directory",
                () -> Math.max(0, node.usage().diskFreeBytes()));
        gauge("raftkv_server_voters", "Voting members in the current configuration", () -> node.status().conf().voters().size());
        gauge("raftkv_server_learners", "Non-voting learners in the current configuration",
                () -> node.status().conf().learners().size());
        gauge("raftkv_server_removed", "1 if this node was removed from the cluster and serves nothing (stop it)",
                () -> node.removed() != null ? 1 : 0);
        GaugeWithCallback.builder().name("raftkv_server_alarm")
                .help("1 for each alarm raised about this node or the whole cluster (corrupt: replace the node; "
                        + "nospace: free space)")
                .labelNames("type")
                .callback(cb -> {
                    for (io.raftkv.storage.Alarm.Type t : io.raftkv.storage.Alarm.Type.values()) {
                        boolean on = node.store().stateMachine().alarms().stream()
                                .anyMatch(a -> a.type() == t && (a.member() == 0 || a.member() == node.status().id()));
                        cb.call(on ? 1 : 0, t.name().toLowerCase(java.util.Locale.ROOT));
                    }
                })
                .register(registry);
        GaugeWithCallback.builder().name("raftkv_server_follower_lag_entries")
                .help("On the leader: how far each follower's matched index trails the leader's last index")
                .labelNames("peer")
                .callback(cb -> {
                    RaftNode.NodeStatus s = node.status();
                    if (s.role() == StateRole.LEADER && s.progress() != null) {
                        s.progress().forEach((peer, p) -> {
                            if (peer != s.id()) {
                                cb.call(Math.max(0, s.lastIndex() - p.match()), Long.toString(peer));
                            }
                        });
                    }
                })
                .register(registry);
    }

    private void gauge(String name, String help, Supplier<Number> value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.get().doubleValue())).register(registry);
    }

    void observeFsync(long nanos) {
        fsync.observe(nanos / 1e9);
    }

    void leaderChanged() {
        leaderChanges.inc();
    }

    /** Counts and times one client request by its outcome: a unary call, or one op of a batch stream under its method's name. */
    void rpcHandled(String method, Status.Code code, long startNanos) {
        handled.labelValues(method, code.name()).inc();
        handling.labelValues(method).observe((System.nanoTime() - startNanos) / 1e9);
    }

    /** Counts and times every client call by its outcome, without touching the services' code. */
    ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                String method = call.getMethodDescriptor().getFullMethodName();
                // A batch stream lives as long as its client: its lifetime is no request's latency (its ops
                // are counted and timed one by one, under their own methods' names: BatchStream).
                boolean stream = method.equals(BATCH);
                long start = System.nanoTime();
                ServerCall<Q, R> timed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        if (stream) {
                            handled.labelValues(method, status.getCode().name()).inc();
                        } else {
                            rpcHandled(method, status.getCode(), start);
                        }
                        super.close(status, trailers);
                    }
                };
                return next.startCall(timed, headers);
            }
        };
    }
}
