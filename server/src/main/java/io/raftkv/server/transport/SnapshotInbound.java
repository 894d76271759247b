package io.raftkv.server.transport;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.peer.SnapshotAck;
import io.raftkv.proto.peer.SnapshotChunk;
import io.raftkv.raft.Message;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.storage.CorruptChunkException;
import io.raftkv.storage.CorruptionException;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.SnapshotReceiver;
import io.raftkv.storage.StorageException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of one InstallSnapshot call: the first message is the offer, then frames are written
 * through {@link SnapshotReceiver} (which verifies each one and keeps a resumable {@code .part} file). Only
 * a complete, verified image is announced to the node, as a Raft InstallSnapshot carrying metadata only.
 *
 * <p>gRPC serializes a call's callbacks, but {@link #supersede} comes from another call's thread, hence
 * the lock on every method.
 */
final class SnapshotInbound implements StreamObserver<SnapshotChunk> {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotInbound.class);

    /** Receives in progress, by image: two calls writing one {@code .part} file would corrupt it. */
    private final ConcurrentHashMap<String, SnapshotInbound> active;
    private final TransportConfig config;
    private final RaftStore store;
    private final Inbox inbox;
    private final StreamObserver<SnapshotAck> out;
    private final PeerService.RejectionLog rejections;
    private final Caller caller;

    private SnapshotReceiver receiver;
    private String key;
    private Message.InstallSnapshot message;
    private boolean awaitingResend;
    private boolean done;

    SnapshotInbound(ConcurrentHashMap<String, SnapshotInbound> active, TransportConfig config, RaftStore store, Inbox inbox,
                    StreamObserver<SnapshotAck> out, PeerService.RejectionLog rejections, Caller caller) {
        this.active = active;
        this.config = config;
        this.store = store;
        this.inbox = inbox;
        this.out = out;
        this.rejections = rejections;
        this.caller = caller;
    }

    @Override
    public synchronized void onNext(SnapshotChunk chunk) {
        if (done) {
            return;
        }
        try {
            if (receiver == null) {
                offer(chunk);
            } else {
                frame(chunk);
            }
        } catch (CorruptionException e) {
            if (receiver == null) {
                // A complete .part file left by an earlier attempt failed validation and was deleted: the
                // sender's next attempt starts from chunk 0.
                LOG.warn("snapshot from peer {}: discarded a damaged earlier receive: {}", message.from(), e.getMessage());
                fail(Status.UNAVAILABLE.withDescription(e.getMessage()));
                return;
            }
            // The complete image failed validation: the receiver started over at chunk 0.
            LOG.warn("snapshot from peer {} failed validation, asking for it again: {}", message.from(), e.getMessage());
            awaitingResend = true;
            out.onNext(SnapshotAck.newBuilder().setNextChunk(receiver.nextChunk()).setError(e.getMessage()).build());
        } catch (StatusRuntimeException e) {
            // The sender cancelled while we were answering: keep the .part file for its next attempt.
            done = true;
            release();
        } catch (StorageException | IllegalArgumentException e) {
            LOG.warn("snapshot receive failed: {}", e.toString());
            fail((e instanceof StorageException ? Status.INTERNAL : Status.INVALID_ARGUMENT).withDescription(e.getMessage()));
        }
    }

    private void offer(SnapshotChunk c) {
        String impostor = caller.cannotSpeakFor(c.getFrom(), config.nodeId());
        if (impostor != null) {
            rejections.rejected(impostor, caller);
            fail(Status.UNAUTHENTICATED.withDescription(impostor));
            return;
        }
        String problem = PeerService.checkAddressing(config, c.getClusterId(), c.getFrom(), c.getTo());
        if (problem == null && !c.hasMetadata()) {
            problem = "a snapshot offer must carry metadata";
        }
        if (problem != null) {
            rejections.rejected(problem, caller);
            fail(Status.FAILED_PRECONDITION.withDescription(problem));
            return;
        }
        SnapshotMetadata meta = MessageCodec.decode(c.getMetadata());
        message = new Message.InstallSnapshot(c.getFrom(), c.getTo(), c.getTerm(), new Snapshot(meta, null));
        key = meta.index() + "/" + meta.term();
        SnapshotInbound previous = active.put(key, this);
        if (previous != null) {
            // An older call for the same image whose sender already gave up on it (broken connection not yet
            // noticed here): release its file before opening it again.
            previous.supersede();
        }
        receiver = store.receiveSnapshot(meta);
        if (receiver.isComplete()) {
            complete();
            return;
        }
        out.onNext(SnapshotAck.newBuilder().setNextChunk(receiver.nextChunk()).build());
    }

    private void frame(SnapshotChunk c) {
        int next = receiver.nextChunk();
        int seq = c.getSeq();
        if (seq < next) {
            return; // a duplicate after a rewind; already stored
        }
        if (seq > next) {
            // Frames that were in flight behind a rejected one: drop them quietly until the resend arrives.
            if (!awaitingResend) {
                awaitingResend = true;
                out.onNext(SnapshotAck.newBuilder().setNextChunk(next).setError("chunk " + seq + " arrived, expected " + next).build());
            }
            return;
        }
        try {
            boolean complete = receiver.accept(c.getFrame().toByteArray());
            awaitingResend = false;
            if (complete) {
                complete();
            } else {
                out.onNext(SnapshotAck.newBuilder().setNextChunk(receiver.nextChunk()).build());
            }
        } catch (CorruptChunkException e) {
            LOG.warn("snapshot from peer {}: {}", message.from(), e.getMessage());
            awaitingResend = true;
            out.onNext(SnapshotAck.newBuilder().setNextChunk(receiver.nextChunk()).setError(e.getMessage()).build());
        }
    }

    private void complete() {
        done = true;
        release();
        SnapshotMetadata meta = message.snapshot().metadata();
        LOG.info("received snapshot {}/{} from peer {}", meta.index(), meta.term(), message.from());
        // The node first, then the sender: when the leader hears success, the follower already has it.
        inbox.receive(message);
        out.onNext(SnapshotAck.newBuilder().setNextChunk(receiver.nextChunk()).setComplete(true).build());
        out.onCompleted();
    }

    private void fail(Status s) {
        done = true;
        release();
        out.onError(s.asRuntimeException());
    }

    /** Closes the receiver (keeping its verified chunks for a resume) and leaves the active map. */
    private void release() {
        if (receiver != null) {
            try {
                receiver.close();
            } catch (StorageException e) {
                LOG.warn("cannot close snapshot receiver: {}", e.toString());
            }
        }
        if (key != null) {
            active.remove(key, this);
        }
    }

    /** Another call took over this image, or the transport is closing. */
    synchronized void supersede() {
        if (!done) {
            done = true;
            release();
            try {
                out.onError(Status.ABORTED.withDescription("superseded by a newer transfer of the same snapshot").asRuntimeException());
            } catch (RuntimeException ignored) {
                // the call is already closed; the point was to release the file
            }
        }
    }

    @Override
    public synchronized void onError(Throwable t) {
        // The sender went away: keep the .part file, it resumes from there.
        if (!done) {
            done = true;
            release();
        }
    }

    @Override
    public synchronized void onCompleted() {
        if (!done) {
            done = true;
            release();
            out.onError(Status.FAILED_PRECONDITION.withDescription("the sender ended the transfer before the image was complete")
                    .asRuntimeException());
        }
    }
}
