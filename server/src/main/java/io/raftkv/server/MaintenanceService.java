package io.raftkv.server;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.MaintenanceGrpc;
import io.raftkv.proto.SnapshotInfo;
import io.raftkv.proto.SnapshotRequest;
import io.raftkv.proto.SnapshotResponse;
import io.raftkv.storage.BackupSource;
import io.raftkv.storage.StorageException;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Maintenance.Snapshot}: streams a backup of the state machine (see maintenance.proto).
 *
 * <p>Threads: the gRPC thread only admits the call and, for a linearizable backup, asks the raft thread
 * for a read barrier (the same ReadIndex path as a linearizable read). Reading RocksDB happens on this
 * service's own backup threads, never on the raft, persist or apply thread: each stream is pumped by one
 * backup thread at a time while gRPC says the client keeps up ({@code isReady}), and resumes from
 * {@code onReady}, so a slow client costs no memory beyond about one chunk in flight. The image is read
 * through a RocksDB snapshot, so apply never waits for a backup.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceService.class);
    /** More concurrent backups than this only compete for the same disk; the rest are told to back off. */
    static final int MAX_STREAMS = 2;
    static final int DEFAULT_CHUNK_BYTES = 1 << 20;
    static final int MIN_CHUNK_BYTES = 4 << 10;
    /** Below gRPC's default 4 MiB inbound message limit of clients, with room for framing. */
    static final int MAX_CHUNK_BYTES = 2 << 20;
    private static final Context.Key<String> PEER = Context.key("raftkv-backup-peer");

    private final RaftNode node;
    private final ServerConfig config;
    private final ExecutorService executor;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final AtomicInteger admitted = new AtomicInteger();
    private volatile boolean closed;

    MaintenanceService(RaftNode node, ServerConfig config) {
        this.node = node;
        this.config = config;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(MAX_STREAMS, r -> {
            Thread t = new Thread(r, "raftkv-backup-" + config.nodeId() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The service with the interceptor that tells it who is asking (for the log). */
    ServerServiceDefinition definition() {
        ServerInterceptor peer = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                SocketAddress a = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                String who = a == null ? "unknown" : a.toString().replaceFirst("^[^/]*/", "");
                return Contexts.interceptCall(Context.current().withValue(PEER, who), call, headers, next);
            }
        };
        return ServerInterceptors.intercept(this, peer);
    }

    @Override
    public void snapshot(SnapshotRequest req, StreamObserver<SnapshotResponse> observer) {
        ServerCallStreamObserver<SnapshotResponse> call = (ServerCallStreamObserver<SnapshotResponse>) observer;
        int chunk = req.getChunkBytes() == 0 ? DEFAULT_CHUNK_BYTES : req.getChunkBytes();
        if (chunk < MIN_CHUNK_BYTES || chunk > MAX_CHUNK_BYTES) {
            call.onError(GrpcErrors.toStatus(NodeException.invalid("chunk_bytes", MAX_CHUNK_BYTES, Integer.toUnsignedLong(chunk),
                    "chunk_bytes must be between " + MIN_CHUNK_BYTES + " and " + MAX_CHUNK_BYTES + ", got "
                            + Integer.toUnsignedString(chunk))));
            return;
        }
        if (closed) {
            call.onError(GrpcErrors.toStatus(shuttingDown()));
            return;
        }
        if (admitted.incrementAndGet() > MAX_STREAMS) {
            admitted.decrementAndGet();
            call.onError(GrpcErrors.toStatus(NodeException.of(ErrorDetail.Code.OVERLOADED, "node " + config.nodeId()
                    + " is already streaming " + MAX_STREAMS + " backups; retry when one has finished")));
            return;
        }
        Stream s = new Stream(call, chunk, req.getLinearizable(), PEER.get() == null ? "unknown" : PEER.get());
        streams.add(s);
        call.setOnReadyHandler(s::schedule);
        call.setOnCancelHandler(s::cancel);
        if (req.getLinearizable()) {
            // Completes on the apply thread once applied >= the confirmed read index: only hand over from there.
            node.readBarrier(config.requestTimeout()).whenComplete((index, t) -> {
                if (t != null) {
                    s.fail(t);
                } else {
                    s.start();
                }
            });
        } else {
            s.start();
        }
    }

    private NodeException shuttingDown() {
        return NodeException.of(ErrorDetail.Code.NO_LEADER, "node " + config.nodeId() + " is shutting down; retry on another node");
    }

    /**
     * Ends every stream and waits until each has released its RocksDB snapshot: call before the store is
     * closed (reading a closed RocksDB crashes the JVM).
     */
    @Override
    public void close() {
        closed = true;
        for (Stream s : streams) {
            s.schedule();
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("node {}: backup streams did not stop within 30 s", config.nodeId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One backup call. Flags are set by any thread; everything else is touched only inside {@link #pump}. */
    private final class Stream {
        private final ServerCallStreamObserver<SnapshotResponse> call;
        private final int chunkBytes;
        private final boolean linearizable;
        private final String peer;
        private final AtomicInteger wip = new AtomicInteger();
        private volatile boolean started;
        private volatile boolean cancelled;
        private volatile Throwable failure;
        // pump only (one thread at a time, ordered by wip)
        private BackupSource source;
        private boolean done;
        private long startNanos;

        Stream(ServerCallStreamObserver<SnapshotResponse> call, int chunkBytes, boolean linearizable, String peer) {
            this.call = call;
            this.chunkBytes = chunkBytes;
            this.linearizable = linearizable;
            this.peer = peer;
        }

        void start() {
            started = true;
            schedule();
        }

        void cancel() {
            cancelled = true;
            schedule();
        }

        void fail(Throwable t) {
            failure = t;
            schedule();
        }

        /** Runs {@link #pump} on a backup thread, never twice at once; a request during a run makes it run again. */
        void schedule() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // Shut down: no backup thread runs this stream (wip was 0), so finish it here.
                drain();
            }
        }

        private void drain() {
            int missed = 1;
            while (true) {
                pump();
                missed = wip.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        private void pump() {
            if (done) {
                return;
            }
            try {
                if (cancelled) {
                    finish(null);
                    return;
                }
                if (failure != null) {
                    finish(failure);
                    return;
                }
                if (closed) {
                    finish(shuttingDown());
                    return;
                }
                if (!started) {
                    return;
                }
                if (source == null) {
                    startNanos = System.nanoTime();
                    source = BackupSource.open(node.store(), chunkBytes, linearizable);
                    LOG.info("node {}: backup to {} started at index {} term {} ({})", config.nodeId(), peer, source.index(),
                            source.term(), linearizable ? "linearizable" : "local state");
                }
                boolean first = source.bytes() == 0;
                while (call.isReady() && !cancelled && !closed) {
                    byte[] piece = source.next();
                    if (piece == null) {
                        call.onCompleted();
                        finish(null);
                        return;
                    }
                    SnapshotResponse.Builder b = SnapshotResponse.newBuilder().setData(UnsafeByteOperations.unsafeWrap(piece));
                    if (first) {
                        b.setInfo(SnapshotInfo.newBuilder().setNodeId(source.nodeId()).setIndex(source.index())
                                .setTerm(source.term()).setClusterId(source.clusterId()).setLinearizable(linearizable));
                        first = false;
                    }
                    call.onNext(b.build());
                }
            } catch (StorageException e) {
                finish(NodeException.of(ErrorDetail.Code.STORAGE_FAILED, "node " + config.nodeId()
                        + " cannot read its state for a backup: " + e.getMessage()));
            } catch (RuntimeException e) {
                finish(e);
            }
        }

        private void finish(Throwable error) {
            done = true;
            long bytes = source == null ? 0 : source.bytes();
            long ms = source == null ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            if (source != null) {
                source.close();
            }
            streams.remove(this);
            admitted.decrementAndGet();
            if (cancelled) {
                LOG.info("node {}: backup to {} cancelled by the client after {} bytes in {} ms", config.nodeId(), peer, bytes, ms);
            } else if (error != null) {
                LOG.warn("node {}: backup to {} failed after {} bytes in {} ms: {}", config.nodeId(), peer, bytes, ms,
                        error.getMessage());
                try {
                    call.onError(GrpcErrors.toStatus(error));
                } catch (RuntimeException alreadyClosed) {
                    // the call ended meanwhile (cancelled or deadline): nothing to tell
                }
            } else {
                LOG.info("node {}: backup to {} finished at index {} term {}: {} bytes, {} keys, {} sessions in {} ms "
                                + "({} MiB/s), sha256 {}", config.nodeId(), peer, source.index(), source.term(), bytes,
                        source.keys(), source.sessions(), ms, String.format("%.1f", bytes / 1048576.0 / Math.max(ms, 1) * 1000),
                        source.sha256());
            }
        }
    }
}
