/**
 * The peer transport: how Raft messages and snapshot images travel between raftkv nodes over gRPC.
 *
 * <p>This package owns the client side (one Netty channel per peer, one long-lived client-streaming
 * {@code RaftPeer.Stream} call per peer fed by a bounded per-peer queue and one sender thread, snapshot
 * transfers on their own channel and executor) and the {@code RaftPeer} service implementation that the
 * node registers on its peer gRPC server (which the node owns). It converts core {@code Message}s to proto
 * and back ({@link io.raftkv.server.transport.MessageCodec}) and hands whatever arrives to an
 * {@link io.raftkv.server.transport.Inbox}.
 *
 * <p>Threading: {@link io.raftkv.server.transport.PeerTransport#send} runs on the raft thread and never
 * blocks (lock-free offer, drop and report on overflow). Each peer has its own sender thread, so a slow or
 * dead peer delays nobody else; gRPC callbacks run on the Netty event loop and only record state and wake
 * a thread. Delivery is at most once: after a broken stream, queued messages are dropped and the core is
 * told the peer is unreachable (Raft retransmits what still matters).
 */
package io.raftkv.server.transport;
