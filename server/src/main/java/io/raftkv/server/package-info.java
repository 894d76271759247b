/**
 * A raftkv node: {@link io.raftkv.server.RaftKvServer} wires storage, the Raft driver and the gRPC
 * services together.
 *
 * <p>This package owns the node's threads ({@code RaftNode}: one raft thread owning the core, a persist
 * thread doing one synced batch per Ready, an apply thread, a snapshot thread), the client-facing
 * services ({@code KvService}, {@code ClusterService}, health, {@code MaintenanceService} streaming
 * backups on its own threads, and {@code AuthService} with {@code AuthGate}, the one interceptor that
 * authenticates callers and authorizes every request when auth is enabled), membership changes ({@code MembershipRules} decides what a leader accepts,
 * {@code MemberDirectory} knows how to reach each member), request validation and load shedding, how a
 * data directory restored from a backup keeps its new cluster id ({@code RestoredCluster}),
 * the mapping of failures to gRPC statuses with typed {@code ErrorDetail} trailers, and the Prometheus
 * metrics ({@code ServerMetrics}, served on {@code --metrics-addr}). Peer traffic is
 * in {@code io.raftkv.server.transport}; the command line in {@code io.raftkv.server.cli}.
 * docs/architecture.md shows the path of a write and of a linearizable read through the threads.
 */
package io.raftkv.server;
