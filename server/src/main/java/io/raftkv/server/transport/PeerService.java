package io.raftkv.server.transport;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.peer.MessageBatch;
import io.raftkv.proto.peer.RaftMessage;
import io.raftkv.proto.peer.RaftPeerGrpc;
import io.raftkv.proto.peer.SnapshotAck;
import io.raftkv.proto.peer.SnapshotChunk;
import io.raftkv.proto.peer.StreamSummary;
import io.raftkv.raft.Message;
import io.raftkv.storage.RaftStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RaftPeer service this node's peer gRPC server runs: checks that what arrives is meant for this node
 * of this cluster, decodes it and hands it to the inbox. Callbacks run on the server's executor and never
 * block on the node (the inbox only enqueues).
 */
final class PeerService extends RaftPeerGrpc.RaftPeerImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(PeerService.class);

    private final TransportConfig config;
    private final TransportMetrics metrics;
    private final RaftStore store;
    private final Inbox inbox;
    private final RejectionLog rejections = new RejectionLog();
    /** Last client address announced per peer, so the inbox hears only of changes. */
    private final Map<Long, String> clientAddresses = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, SnapshotInbound> snapshotsInProgress = new ConcurrentHashMap<>();

    PeerService(TransportConfig config, RaftStore store, Inbox inbox, TransportMetrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.store = store;
        this.inbox = inbox;
    }

    @Override
    public StreamObserver<MessageBatch> stream(StreamObserver<StreamSummary> responseObserver) {
        return new Inbound(responseObserver);
    }

    @Override
    public StreamObserver<SnapshotChunk> installSnapshot(StreamObserver<SnapshotAck> responseObserver) {
        return new SnapshotInbound(snapshotsInProgress, config, store, inbox, responseObserver, rejections, Caller.current());
    }

    /** Releases receive files of transfers still in progress (the transport is closing). */
    void close() {
        for (SnapshotInbound s : snapshotsInProgress.values()) {
            s.supersede();
        }
    }

    private record RefusedFor(PeerRefusal kind, String why) {
    }

    /** Whether {@code from} must take no further part: removed, or a recreated data directory. */
    private RefusedFor refusedFor(long from, long incarnation) {
        if (inbox.isRemoved(from)) {
            return new RefusedFor(PeerRefusal.REMOVED, "node " + from + " was removed from the cluster and must take "
                    + "no further part");
        }
        long recorded = store.stateMachine().recordedIncarnation(from);
        boolean changed = incarnation != 0 && recorded != 0 && recorded != incarnation;
        // The replicated record first: a peer that never heard from the member before it lost its disk still
        // knows it from the log (a local first sighting alone let such a peer count the new disk's vote).
        if (changed || store.incarnations().check(from, incarnation) == io.raftkv.storage.Incarnations.Verdict.CHANGED) {
            return new RefusedFor(PeerRefusal.REPLACED, PeerRefusal.replacedWhy(from, config.nodeId()));
        }
        return null;
    }

    /** Answers a peer's probe or a starting node's question (see {@code RaftPeer.Hello}). */
    @Override
    public void hello(io.raftkv.proto.peer.HelloRequest req, StreamObserver<io.raftkv.proto.peer.HelloResponse> out) {
        if (refusedCall(Caller.current(), req.getClusterId(), req.getFrom(), req.getTo(), out)) {
            return;
        }
        RefusedFor r = refusedFor(req.getFrom(), req.getIncarnation());
        if (r != null) {
            rejections.rejected(r.why, Caller.current());
            out.onError(r.kind.toException(r.why));
            return;
        }
        Usage u = inbox.usage();
        out.onNext(io.raftkv.proto.peer.HelloResponse.newBuilder().setStateBytes(Math.max(0, u.stateBytes()))
                .setDiskFreeBytes(Math.max(0, u.diskFreeBytes())).build());
        out.onCompleted();
    }

    @Override
    public void stateHash(io.raftkv.proto.peer.StateHashRequest req, StreamObserver<io.raftkv.proto.peer.StateHashResponse> out) {
        if (refusedCall(Caller.current(), req.getClusterId(), req.getFrom(), req.getTo(), out)) {
            return;
        }
        HashAnswer a = inbox.stateHash(req.getIndex());
        io.raftkv.proto.peer.StateHashResponse.Builder b = io.raftkv.proto.peer.StateHashResponse.newBuilder()
                .setPending(a.pending());
        if (a.known()) {
            b.setHash(com.google.protobuf.ByteString.copyFrom(a.hash()));
        }
        out.onNext(b.build());
        out.onCompleted();
    }

    /**
     * Refuses a unary call whose caller may not speak for {@code from} (UNAUTHENTICATED) or whose ids are not for
     * this node (FAILED_PRECONDITION); returns whether it did.
     */
    private boolean refusedCall(Caller caller, long clusterId, long from, long to, StreamObserver<?> out) {
        String impostor = caller.cannotSpeakFor(from, config.nodeId());
        if (impostor != null) {
            rejections.rejected(impostor, caller);
            out.onError(Status.UNAUTHENTICATED.withDescription(impostor).asRuntimeException());
            return true;
        }
        String problem = checkAddressing(config, clusterId, from, to);
        if (problem != null) {
            rejections.rejected(problem, caller);
            out.onError(Status.FAILED_PRECONDITION.withDescription(problem).asRuntimeException());
            return true;
        }
        return false;
    }

    /**
     * Why traffic with these ids is not for this node, or null if it is. The message names this node and what
     * the sender claimed, never this node's cluster id: whoever does not know it must not learn it here.
     */
    static String checkAddressing(TransportConfig config, long clusterId, long from, long to) {
        if (clusterId != config.clusterId()) {
            return "node " + config.nodeId() + " refuses traffic from node " + from + " of cluster "
                    + Long.toHexString(clusterId) + ": not the cluster of node " + config.nodeId()
                    + " (its own log names its cluster id at start)";
        }
        if (to != config.nodeId()) {
            return "node " + config.nodeId() + " received traffic from node " + from + " addressed to node " + to
                    + ": the sender's peer list maps node " + to + " to this node's address";
        }
        if (from == config.nodeId() || from == 0) {
            return "node " + config.nodeId() + " received traffic claiming to come from node " + from;
        }
        return null;
    }

    /** Logs each distinct rejection once: a misconfigured peer retries forever and would flood the log. */
    static final class RejectionLog {
        private static final int MAX_REMEMBERED = 64;
        private final Set<String> logged = ConcurrentHashMap.newKeySet();

        void rejected(String problem, Caller caller) {
            if (logged.size() < MAX_REMEMBERED && logged.add(problem)) {
                LOG.warn("rejecting peer traffic from {}: {}", caller.remote(), problem);
            }
        }
    }

    /** One incoming Stream call. gRPC delivers its callbacks one at a time. */
    private final class Inbound implements StreamObserver<MessageBatch> {
        private final StreamObserver<StreamSummary> out;
        private final Caller caller = Caller.current();
        private long received;
        private boolean closed;

        Inbound(StreamObserver<StreamSummary> out) {
            this.out = out;
        }

        @Override
        public void onNext(MessageBatch batch) {
            if (closed) {
                return;
            }
            String impostor = caller.cannotSpeakFor(batch.getFrom(), config.nodeId());
            if (impostor != null) {
                reject(Status.UNAUTHENTICATED.withDescription(impostor), impostor);
                return;
            }
            List<Message> messages = new ArrayList<>(batch.getMessagesCount());
            String problem = null;
            try {
                for (RaftMessage pm : batch.getMessagesList()) {
                    // Every message, not only the batch header: a peer list that maps another node's id to
                    // this address shows up as messages for that other node, and a message must come from the
                    // member the batch (and the connection's certificate) speaks for.
                    problem = pm.getFrom() != batch.getFrom() ? "node " + config.nodeId() + " received a batch from node "
                            + batch.getFrom() + " holding a message from node " + pm.getFrom()
                            : checkAddressing(config, batch.getClusterId(), batch.getFrom(), pm.getTo());
                    if (problem != null) {
                        break;
                    }
                    messages.add(MessageCodec.decode(pm));
                }
                if (batch.getMessagesCount() == 0) {
                    problem = checkAddressing(config, batch.getClusterId(), batch.getFrom(), config.nodeId());
                }
            } catch (IllegalArgumentException e) {
                reject(Status.INVALID_ARGUMENT.withDescription("undecodable message from node " + batch.getFrom() + ": "
                        + e.getMessage()), e.getMessage());
                return;
            }
            if (problem != null) {
                reject(Status.FAILED_PRECONDITION.withDescription(problem), problem);
                return;
            }
            String refused = refusal(batch.getFrom(), batch.getSenderIncarnation());
            if (refused != null) {
                return;
            }
            String address = batch.getSenderClientAddress();
            if (!address.isEmpty() && !address.equals(clientAddresses.put(batch.getFrom(), address))) {
                inbox.learnClientAddress(batch.getFrom(), address);
            }
            for (Message m : messages) {
                inbox.receive(m);
            }
            received += messages.size();
            metrics.received(batch.getFrom(), batch.getSerializedSize());
        }

        private void reject(Status status, String problem) {
            closed = true;
            rejections.rejected(problem, caller);
            out.onError(status.asRuntimeException());
        }

        /** Refuses the stream for good if its sender was removed or lost its disk; returns why, or null. */
        private String refusal(long from, long incarnation) {
            RefusedFor r = refusedFor(from, incarnation);
            if (r == null) {
                return null;
            }
            closed = true;
            rejections.rejected(r.why, caller);
            out.onError(r.kind.toException(r.why));
            return r.why;
        }

        @Override
        public void onError(Throwable t) {
            // The sender went away or was cancelled; it reconnects on its own.
            closed = true;
        }

        @Override
        public void onCompleted() {
            if (!closed) {
                closed = true;
                out.onNext(StreamSummary.newBuilder().setReceived(received).build());
                out.onCompleted();
            }
        }
    }
}
