package io.raftkv.server.transport;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.raftkv.proto.peer.RaftPeerGrpc;
import io.raftkv.proto.peer.SnapshotAck;
import io.raftkv.proto.peer.SnapshotChunk;
import io.raftkv.raft.Message;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.SnapshotSource;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outbound snapshot transfer, run on the transport's snapshot executor (never the raft thread, never
 * the peer's message stream): offers the image, streams its frames from the chunk the receiver asks for,
 * rewinds when the receiver rejects a damaged chunk, and after a broken stream reopens one and resumes
 * where the receiver's {@code .part} file ends. Reports the outcome to the inbox exactly once (unless the
 * transport is closing).
 */
final class SnapshotSender implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);
    /** Consecutive broken attempts without any stored chunk before the transfer is given up. */
    static final int MAX_ATTEMPTS = 5;
    /** Chunks the receiver may reject (damaged in transit) in one transfer before it is given up. */
    static final int MAX_REJECTIONS = 5;

    private static final Object READY = new Object();

    private enum Outcome { COMPLETE, BROKEN, FATAL }

    private final Message.InstallSnapshot message;
    private final TransportConfig config;
    private final RaftStore store;
    private final Inbox inbox;
    private final Supplier<ManagedChannel> channels;
    private final Runnable onDone;
    private final Backoff backoff;
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private volatile Call current;
    private int rejections;

    SnapshotSender(Message.InstallSnapshot message, TransportConfig config, RaftStore store, Inbox inbox,
                   Supplier<ManagedChannel> channels, Runnable onDone) {
        this.message = message;
        this.config = config;
        this.store = store;
        this.inbox = inbox;
        this.channels = channels;
        this.onDone = onDone;
        this.backoff = new Backoff(config.backoffBase(), config.backoffCap());
    }

    long peer() {
        return message.to();
    }

    SnapshotMetadata metadata() {
        return message.snapshot().metadata();
    }

    /** Stops the transfer without reporting (the transport is closing). */
    void cancel() {
        cancelled.countDown();
        Call c = current;
        if (c != null) {
            c.cancel("transport closed");
        }
    }

    private boolean isCancelled() {
        return cancelled.getCount() == 0;
    }

    @Override
    public void run() {
        Thread.currentThread().setName(PeerTransport.THREAD_PREFIX + config.nodeId() + "-snapshot-to-" + peer());
        SnapshotMetadata meta = metadata();
        boolean ok = false;
        ManagedChannel channel = null;
        try (SnapshotSource source = store.openSnapshot(meta)) {
            // Its own connection: a long image transfer must not queue behind, or in front of, heartbeats.
            channel = channels.get();
            LOG.info("sending snapshot {}/{} ({} chunks, {} bytes) to peer {}", meta.index(), meta.term(),
                    source.chunkCount(), source.sizeBytes(), peer());
            ok = transfer(source, RaftPeerGrpc.newStub(channel));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // The image is missing or damaged locally, or the channel could not be built: the core
            // learns it failed and will try again with whatever snapshot it has then.
            LOG.warn("cannot send snapshot {}/{} to peer {}: {}", meta.index(), meta.term(), peer(), e.toString());
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            onDone.run();
            if (!isCancelled()) {
                if (ok) {
                    LOG.info("snapshot {}/{} delivered to peer {}", meta.index(), meta.term(), peer());
                } else {
                    LOG.warn("snapshot {}/{} to peer {} failed", meta.index(), meta.term(), peer());
                }
                inbox.reportSnapshot(peer(), ok);
            }
            Thread.currentThread().setName(PeerTransport.THREAD_PREFIX + config.nodeId() + "-snapshot-idle");
        }
    }

    private boolean transfer(SnapshotSource source, RaftPeerGrpc.RaftPeerStub stub) throws InterruptedException {
        int failures = 0;
        while (!isCancelled()) {
            Call call = new Call();
            current = call;
            stub.installSnapshot(call);
            if (isCancelled()) {
                call.cancel("transport closed");
                return false;
            }
            Outcome o = attempt(source, call);
            if (o == Outcome.COMPLETE) {
                return true;
            }
            call.cancel("transfer attempt abandoned");
            if (o == Outcome.FATAL) {
                return false;
            }
            failures = call.progressed ? 0 : failures + 1;
            if (failures >= MAX_ATTEMPTS) {
                LOG.warn("snapshot to peer {}: {} attempts in a row without progress, giving up: {}", peer(), failures,
                        call.describeEnd());
                return false;
            }
            LOG.info("snapshot to peer {} interrupted ({}); resuming", peer(), call.describeEnd());
            if (cancelled.await(backoff.delayNanos(failures), TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return false;
    }

    private Outcome attempt(SnapshotSource source, Call call) throws InterruptedException {
        SnapshotMetadata meta = metadata();
        call.stream.onNext(SnapshotChunk.newBuilder().setClusterId(config.clusterId()).setFrom(message.from())
                .setTo(message.to()).setTerm(message.term()).setMetadata(MessageCodec.encode(meta)).build());
        int count = source.chunkCount();
        int cursor = -1; // unknown until the receiver answers the offer
        long stallNanos = config.snapshotStall().toNanos();
        long deadline = System.nanoTime() + stallNanos;
        while (!isCancelled()) {
            while (cursor >= 0 && cursor < count && call.stream.isReady() && !call.ended) {
                byte[] frame = source.chunk(cursor);
                call.stream.onNext(SnapshotChunk.newBuilder().setSeq(cursor).setFrame(UnsafeByteOperations.unsafeWrap(frame))
                        .build());
                cursor++;
            }
            long left = deadline - System.nanoTime();
            Object ev = left <= 0 ? null : call.events.poll(left, TimeUnit.NANOSECONDS);
            if (ev == null) {
                call.endedBy = Status.DEADLINE_EXCEEDED.withDescription("no progress for " + config.snapshotStall());
                return Outcome.BROKEN;
            }
            if (ev == READY) {
                continue;
            }
            if (ev instanceof Status) {
                return Outcome.BROKEN;
            }
            SnapshotAck ack = (SnapshotAck) ev;
            deadline = System.nanoTime() + stallNanos;
            if (ack.getComplete()) {
                call.stream.onCompleted();
                return Outcome.COMPLETE;
            }
            long next = ack.getNextChunk();
            if (next > count) {
                LOG.warn("snapshot to peer {}: receiver asks for chunk {} of {}", peer(), next, count);
                return Outcome.FATAL;
            }
            if (!ack.getError().isEmpty()) {
                rejections++;
                LOG.warn("snapshot to peer {}: chunk rejected ({}), resending from {}", peer(), ack.getError(), next);
                if (rejections > MAX_REJECTIONS) {
                    LOG.warn("snapshot to peer {}: {} chunks rejected, giving up", peer(), rejections);
                    return Outcome.FATAL;
                }
                cursor = (int) next;
            } else if (cursor < 0) {
                cursor = (int) next;
                if (next > 0) {
                    LOG.info("snapshot to peer {}: resuming at chunk {} of {}", peer(), next, count);
                }
            } else {
                call.progressed = true;
            }
        }
        return Outcome.FATAL;
    }

    /** One InstallSnapshot call; callbacks run on the channel's event loop and only enqueue. */
    private static final class Call implements ClientResponseObserver<SnapshotChunk, SnapshotAck> {
        final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        volatile ClientCallStreamObserver<SnapshotChunk> stream;
        volatile boolean ended;
        volatile Status endedBy;
        boolean progressed;

        @Override
        public void beforeStart(ClientCallStreamObserver<SnapshotChunk> requestStream) {
            stream = requestStream;
            requestStream.setOnReadyHandler(() -> events.add(READY));
        }

        @Override
        public void onNext(SnapshotAck ack) {
            events.add(ack);
        }

        @Override
        public void onError(Throwable t) {
            end(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            end(Status.UNAVAILABLE.withDescription("receiver ended the transfer before it was complete"));
        }

        private void end(Status s) {
            endedBy = s;
            ended = true;
            events.add(s);
        }

        String describeEnd() {
            Status s = endedBy;
            return s == null ? "cancelled" : s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
        }

        void cancel(String why) {
            ClientCallStreamObserver<SnapshotChunk> c = stream;
            if (c != null) {
                c.cancel(why, null);
            }
        }
    }
}
