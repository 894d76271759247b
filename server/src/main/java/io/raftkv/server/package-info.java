/**
 * A raftkv node: {@link io.raftkv.server.RaftKvServer} wires storage, the Raft driver and the gRPC
 * services together.
 *
 * <p>This package owns the node's pipeline ({@code RaftNode} wires it: the raft thread owning the core and
 * writing each Ready while the disk is fast, the log writer taking synced writes while it is slow
 * ({@code SyncPlacement}), the apply thread, the responder threads, the snapshot thread), the client-facing
 * services ({@code KvService} with its unary methods and the {@code BatchStream} that carries many requests
 * per client stream, {@code ClusterService}, health, {@code MaintenanceService} streaming backups on its own
 * threads, and {@code AuthService} with {@code AuthGate}, the one interceptor that authenticates callers and
 * authorizes every request, and every op of a batch stream, when auth is enabled), membership changes ({@code MembershipRules} decides what a leader accepts,
 * {@code MemberDirectory} knows how to reach each member), request validation and load shedding, how a
 * data directory restored from a backup keeps its new cluster id ({@code RestoredCluster}),
 * the mapping of failures to gRPC statuses with typed {@code ErrorDetail} trailers, and the Prometheus
 * metrics ({@code ServerMetrics}, served on {@code --metrics-addr}). Peer traffic is
 * in {@code io.raftkv.server.transport}; the command line in {@code io.raftkv.server.cli}.
 * docs/architecture.md shows the path of a write and of a linearizable read through the threads.
 */
package io.raftkv.server;
