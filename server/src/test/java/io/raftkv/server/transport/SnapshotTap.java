package io.raftkv.server.transport;

import com.google.protobuf.ByteString;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.raftkv.proto.peer.RaftPeerGrpc;
import io.raftkv.proto.peer.SnapshotChunk;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fault injector on the receiving node's InstallSnapshot calls: records the frame sequence numbers of
 * every call, and can drop the connection at a given frame of the first call or damage a given frame
 * (once or every time) before the service sees it.
 */
final class SnapshotTap implements ServerInterceptor {
    /** Frame seqs as they reached the node, one list per call in order of arrival. */
    final List<List<Integer>> framesPerCall = new CopyOnWriteArrayList<>();
    private final int breakFirstCallAtSeq;
    private final int corruptSeq;
    private final boolean corruptAlways;
    private final AtomicBoolean corruptedOnce = new AtomicBoolean();

    private SnapshotTap(int breakFirstCallAtSeq, int corruptSeq, boolean corruptAlways) {
        this.breakFirstCallAtSeq = breakFirstCallAtSeq;
        this.corruptSeq = corruptSeq;
        this.corruptAlways = corruptAlways;
    }

    static SnapshotTap observing() {
        return new SnapshotTap(-1, -1, false);
    }

    /** Closes the first call with UNAVAILABLE when frame {@code seq} arrives (that frame is lost). */
    static SnapshotTap breakingFirstCallAt(int seq) {
        return new SnapshotTap(seq, -1, false);
    }

    /** Flips a bit in the payload of frame {@code seq}, the first time only or every time. */
    static SnapshotTap corrupting(int seq, boolean always) {
        return new SnapshotTap(-1, seq, always);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (!call.getMethodDescriptor().getFullMethodName().equals(RaftPeerGrpc.getInstallSnapshotMethod().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        List<Integer> seqs = new CopyOnWriteArrayList<>();
        int callNo;
        synchronized (framesPerCall) {
            callNo = framesPerCall.size();
            framesPerCall.add(seqs);
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            private boolean broken;

            @Override
            @SuppressWarnings("unchecked")
            public void onMessage(Q message) {
                if (broken) {
                    return;
                }
                SnapshotChunk c = (SnapshotChunk) message;
                if (c.getFrame().isEmpty()) {
                    super.onMessage(message); // the offer
                    return;
                }
                seqs.add(c.getSeq());
                if (callNo == 0 && c.getSeq() == breakFirstCallAtSeq) {
                    broken = true;
                    call.close(Status.UNAVAILABLE.withDescription("test: connection lost mid-transfer"), new Metadata());
                    return;
                }
                if (c.getSeq() == corruptSeq && (corruptAlways || corruptedOnce.compareAndSet(false, true))) {
                    byte[] f = c.getFrame().toByteArray();
                    f[f.length - 1] ^= 0x10;
                    message = (Q) c.toBuilder().setFrame(ByteString.copyFrom(f)).build();
                }
                super.onMessage(message);
            }
        };
    }
}
