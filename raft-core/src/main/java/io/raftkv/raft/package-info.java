/**
 * The Raft consensus algorithm as a pure, deterministic, single-threaded library.
 *
 * <p>This package owns the protocol: elections (with pre-vote, check-quorum and disruption protection),
 * log replication with flow control, commitment, snapshots, leadership transfer, membership changes
 * (joint consensus and single-server, learners) and ReadIndex. It owns no threads, clocks, locks or I/O:
 * {@link io.raftkv.raft.RawNode} takes ticks, messages and proposals, and returns everything to do as
 * {@link io.raftkv.raft.Ready} values. Persisted state is read through {@link io.raftkv.raft.Storage};
 * writing it is the driver's job.
 *
 * <p>Public: the values ({@code Entry}, {@code HardState}, {@code ConfState}, {@code Snapshot},
 * {@code Message}, {@code ConfChange}, {@code Ready}, ...), {@code RawNode}, {@code RaftConfig},
 * {@code Storage} and {@code MemoryStorage}. Everything else is package-private.
 */
package io.raftkv.raft;
