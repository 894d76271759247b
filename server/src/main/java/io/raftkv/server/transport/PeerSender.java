package io.raftkv.server.transport;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.raftkv.proto.peer.MessageBatch;
import io.raftkv.proto.peer.RaftMessage;
import io.raftkv.proto.peer.RaftPeerGrpc;
import io.raftkv.proto.peer.StreamSummary;
import io.raftkv.raft.Entry;
import io.raftkv.raft.Message;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that flows to one peer on its message stream: a bounded lock-free queue filled by the raft
 * thread, and one thread that owns the gRPC stream's life (opens it, batches the queue into it while gRPC
 * flow control says it is ready, and reopens it with backoff after a failure). Nothing here is shared with
 * other peers, so a slow or dead peer only fills its own queue.
 *
 * <p>Writing to an open, ready stream is done by whichever thread holds {@code writing}: the thread that
 * queued the messages (the raft thread or the log writer) writes them itself when the lock is free, so a
 * message reaches Netty without waking this peer's thread first: that wake-up sat on the critical path of
 * every commit, once for the leader's append and once for each follower's acknowledgement. When the lock
 * is busy, the stream is not ready or not open, the sender thread is woken and does it.
 */
final class PeerSender implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerSender.class);
    /** Longest park: the thread wakes this often to drop stale messages even when nothing else happens. */
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Connection state as logged: INFO once per change, never per retry. */
    private enum Link { NEW, CONNECTED, DISCONNECTED, REJECTED }

    private record Queued(Message message, long enqueuedNanos, long bytes) {
    }

    /** What a queued message holds on to: its entries' payloads (plus their overhead); other messages are tiny. */
    static long bytesOf(Message m) {
        long n = Entry.OVERHEAD_BYTES;
        if (m instanceof Message.AppendEntries a) {
            for (Entry e : a.entries()) {
                n += e.sizeBytes();
            }
        }
        return n;
    }

    private final long peer;
    private final TransportMetrics metrics;
    /** This node's data-directory incarnation, sent with every batch. */
    private final long incarnation;
    private final String address;
    private final TransportConfig config;
    private final Inbox inbox;
    private final ManagedChannel channel;
    private final RaftPeerGrpc.RaftPeerStub stub;
    private final Backoff backoff;
    private final long staleNanos;
    private final long healthyNanos;
    private final String threadName;

    private final ConcurrentLinkedQueue<Queued> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private volatile boolean closed;
    private volatile Thread thread;
    private volatile Attempt current;
    /** Held by whoever takes from the queue and writes to the stream: {@link #carry} and the ClientCall are its. */
    private final ReentrantLock writing = new ReentrantLock();

    // Owned by the sender thread.
    private Link link = Link.NEW;
    private String lastRejection = "";
    private long lastStaleReportNanos;
    // Guarded by `writing`.
    private RaftMessage carry;
    private long carryEnqueuedNanos;

    PeerSender(long peer, String address, TransportConfig config, Inbox inbox, ManagedChannel channel, long incarnation,
               TransportMetrics metrics) {
        this.metrics = metrics;
        this.peer = peer;
        this.incarnation = incarnation;
        this.address = address;
        this.config = config;
        this.inbox = inbox;
        this.channel = channel;
        this.stub = RaftPeerGrpc.newStub(channel);
        this.backoff = new Backoff(config.backoffBase(), config.backoffCap());
        this.staleNanos = config.staleAfter().toNanos();
        this.healthyNanos = config.backoffCap().toNanos();
        this.threadName = PeerTransport.THREAD_PREFIX + config.nodeId() + "-to-" + peer;
    }

    long peer() {
        return peer;
    }

    /**
     * Queues {@code m} without blocking (raft thread). Returns false if the queue is full, by count or by
     * bytes (one message is always taken, however big): the message is dropped and the caller reports the
     * peer unreachable, so the core stops pipelining to it and probes instead.
     */
    boolean offer(Message m) {
        if (closed) {
            return true;
        }
        long bytes = bytesOf(m);
        int count = queued.incrementAndGet();
        long total = queuedBytes.addAndGet(bytes);
        if (count > config.maxQueuedMessages() || (count > 1 && total > config.maxQueuedBytes())) {
            queued.decrementAndGet();
            queuedBytes.addAndGet(-bytes);
            return false;
        }
        queue.add(new Queued(m, System.nanoTime(), bytes));
        return true;
    }

    /** Bytes of entry payload waiting in this peer's queue (metrics, tests). */
    long queuedBytes() {
        return queuedBytes.get();
    }

    /**
     * After one or more offers (one call per send(), not per message): writes what is queued to the stream
     * from this thread when the stream is open and ready and nobody else is writing; else wakes the sender
     * thread to do it.
     */
    void flush() {
        Attempt a = current;
        if (a != null && a.ready && !a.done && writing.tryLock()) {
            boolean drained;
            try {
                drained = a == current && !a.done && a.call.isReady() && write(a);
            } finally {
                writing.unlock();
            }
            if (drained) {
                return;
            }
        }
        wake();
    }

    /** Wakes the sender thread. */
    void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    void start() {
        Thread t = new Thread(this, threadName);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Stops the thread and cancels the stream; returns once the thread has ended (or after a bounded wait). */
    void close() {
        closed = true;
        // The sender thread cancels its own call when it sees `closed`: a ClientCall is not thread-safe, and
        // cancelling it from here while the sender thread is inside start() throws an NPE out of gRPC's
        // RetriableStream (grpc-java #12964; seen as a rare PeerTransportTest failure).
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.warn("sender thread {} did not stop within 5 s; cancelling its stream from here", threadName);
                cancelQuietly(current);
            }
        }
        dropQueued();
    }

    private static void cancelQuietly(Attempt a) {
        if (a == null) {
            return;
        }
        try {
            a.cancel("transport closed");
        } catch (RuntimeException e) {
            LOG.debug("cancelling a stream from outside its thread failed: {}", e.toString());
        }
    }

    @Override
    public void run() {
        int failures = 0;
        while (!closed) {
            // Our backoff governs reconnects, not the channel's own (which grows to two minutes).
            channel.resetConnectBackoff();
            Attempt a = new Attempt();
            current = a;
            long startedNanos = System.nanoTime();
            try {
                stub.stream(a);
                if (!closed) {
                    pump(a);
                }
            } catch (RuntimeException e) {
                // Never expected (a codec bug?); treated as a broken stream so the peer is not silently lost.
                LOG.error("stream to peer {} at {} failed unexpectedly", peer, address, e);
                a.failure = Status.INTERNAL.withDescription(e.toString());
            }
            if (closed) {
                cancel(a, "transport closed");
                break;
            }
            cancel(a, "stream abandoned"); // a no-op if it already failed
            boolean wasHealthy = a.ready && System.nanoTime() - startedNanos >= healthyNanos;
            failed(a.failure == null ? Status.UNKNOWN.withDescription("stream ended") : a.failure, a.refusal);
            // Whatever was queued was meant for the broken stream; Raft retransmits what still matters.
            dropQueued();
            failures = wasHealthy ? 0 : failures + 1;
            parkFor(backoff.delayNanos(Math.max(0, failures - 1)));
        }
        current = null;
    }

    /** Cancels {@code a} while no other thread writes to it (a ClientCall is not thread-safe). */
    private void cancel(Attempt a, String why) {
        writing.lock();
        try {
            a.cancel(why);
        } finally {
            writing.unlock();
        }
    }

    /** Feeds the stream until it fails or the transport closes. */
    private void pump(Attempt a) {
        while (!closed && !a.done) {
            writing.lock();
            try {
                if (a.call.isReady()) {
                    if (!a.ready) {
                        a.readyNanos = System.nanoTime();
                        connected();
                    }
                    write(a);
                    // From here on other threads may write too (the first batch, with our address, is out).
                    a.ready = true;
                } else {
                    dropStale();
                }
            } finally {
                writing.unlock();
            }
            if (a.ready && link == Link.REJECTED && System.nanoTime() - a.readyNanos >= healthyNanos) {
                // The peer used to reject us and has now kept the stream open: it was fixed.
                link = Link.DISCONNECTED;
                connected();
            }
            LockSupport.parkNanos(this, MAX_PARK_NANOS);
        }
    }

    /**
     * Writes queued messages to the stream while it is ready (caller holds {@code writing}); true if the
     * queue was drained, false if flow control stopped it first.
     */
    private boolean write(Attempt a) {
        while (true) {
            if (!a.call.isReady()) {
                return false;
            }
            MessageBatch batch = nextBatch(!a.sentFirst);
            if (batch == null) {
                return true;
            }
            a.call.onNext(batch);
            a.sentFirst = true;
            metrics.sent(peer, batch.getSerializedSize());
        }
    }

    /** Up to maxBatchBytes of queued messages (at least one), or null if none is queued. */
    private MessageBatch nextBatch(boolean first) {
        long now = System.nanoTime();
        MessageBatch.Builder b = null;
        long bytes = 0;
        while (true) {
            RaftMessage m;
            long enqueued;
            if (carry != null) {
                m = carry;
                enqueued = carryEnqueuedNanos;
                carry = null;
            } else {
                Queued q = queue.poll();
                if (q == null) {
                    break;
                }
                dequeued(q);
                m = null;
                enqueued = q.enqueuedNanos();
                if (now - enqueued <= staleNanos) {
                    m = MessageCodec.encode(q.message());
                }
            }
            if (m == null || now - enqueued > staleNanos) {
                continue;
            }
            int size = m.getSerializedSize();
            if (b != null && bytes + size > config.maxBatchBytes()) {
                carry = m;
                carryEnqueuedNanos = enqueued;
                break;
            }
            if (b == null) {
                b = MessageBatch.newBuilder().setClusterId(config.clusterId()).setFrom(config.nodeId())
                        .setSenderIncarnation(incarnation);
                if (first) {
                    // Once per stream is enough: the receiver remembers it per peer.
                    b.setSenderClientAddress(config.clientAddress());
                }
            }
            b.addMessages(m);
            bytes += size;
        }
        return b == null ? null : b.build();
    }

    /**
     * Drops messages that waited longer than staleAfter while the stream was not ready (a stalled peer),
     * so the queue holds fresh messages rather than the oldest ones; tells the core at most once per
     * staleAfter so it stops pipelining to a peer that does not keep up.
     */
    private void dropStale() {
        long now = System.nanoTime();
        int dropped = 0;
        if (carry != null && now - carryEnqueuedNanos > staleNanos) {
            carry = null;
            dropped++;
        }
        Queued q;
        while ((q = queue.peek()) != null && now - q.enqueuedNanos() > staleNanos) {
            // Single consumer: the head we peeked is the head we poll.
            dequeued(queue.poll());
            dropped++;
        }
        if (dropped > 0) {
            metrics.dropped(peer, dropped);
        }
        if (dropped > 0 && now - lastStaleReportNanos >= staleNanos) {
            lastStaleReportNanos = now;
            LOG.debug("dropped {} stale messages for peer {}", dropped, peer);
            inbox.reportUnreachable(peer);
        }
    }

    private void dropQueued() {
        writing.lock();
        try {
            carry = null;
            for (Queued q = queue.poll(); q != null; q = queue.poll()) {
                dequeued(q);
            }
        } finally {
            writing.unlock();
        }
    }

    private void dequeued(Queued q) {
        queued.decrementAndGet();
        queuedBytes.addAndGet(-q.bytes());
    }

    private void connected() {
        if (link != Link.CONNECTED && link != Link.REJECTED) {
            LOG.info("connected to peer {} at {}", peer, address);
            link = Link.CONNECTED;
        }
    }

    private void failed(Status s, PeerRefusal refusal) {
        metrics.sendFailed(peer);
        // One line: gRPC appends the channel pipeline to some descriptions on a line of its own.
        String why = s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription().lines().findFirst().orElse(""))
                + tlsReason(s);
        if (refusal == PeerRefusal.REPLACED) {
            inbox.replaced(String.valueOf(s.getDescription()));
        } else if (s.getCode() == Status.Code.PERMISSION_DENIED) {
            // A member that removed us answers this way (PeerService): we must stop taking part.
            inbox.removedFromCluster(String.valueOf(s.getDescription()));
        }
        if (s.getCode() == Status.Code.PERMISSION_DENIED || s.getCode() == Status.Code.FAILED_PRECONDITION || s.getCode() == Status.Code.INVALID_ARGUMENT
                || s.getCode() == Status.Code.UNIMPLEMENTED || s.getCode() == Status.Code.UNAUTHENTICATED || !tlsReason(s).isEmpty()) {
            // The peer refuses us (other cluster, wrong node at that address, our certificate names another
            // member), its certificate is not what we expect, or it is no raftkv peer port at all: a configuration error that retrying will not fix, so
            // say it loudly, but once. Only a removal (PERMISSION_DENIED, above) makes this node stop.
            if (link != Link.REJECTED || !why.equals(lastRejection)) {
                LOG.error("peer {} at {} rejects our stream: {}", peer, address, why);
            }
            link = Link.REJECTED;
            lastRejection = why;
        } else if (link == Link.CONNECTED) {
            LOG.info("lost connection to peer {} at {}: {}", peer, address, why);
            link = Link.DISCONNECTED;
        } else if (link == Link.NEW) {
            LOG.info("cannot reach peer {} at {} yet: {} (retrying with backoff)", peer, address, why);
            link = Link.DISCONNECTED;
        } else {
            LOG.debug("stream to peer {} at {} failed again: {}", peer, address, why);
        }
        inbox.reportUnreachable(peer);
        if (refusedConnection(s)) {
            inbox.peerDown(peer);
        }
    }

    /** Why the TLS handshake failed, when it did ("expected the certificate of member 3 ..."); else empty. */
    static String tlsReason(Status s) {
        for (Throwable t = s.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return " (TLS: " + FirstBytes.reason(t) + ")";
            }
        }
        return "";
    }

    /** Whether the attempt failed because the peer's address refused the TCP connection. */
    static boolean refusedConnection(Status s) {
        for (Throwable t = s.getCause(); t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }

    /** Parks for {@code nanos} or until closed; offers during the wait queue up (bounded, aged out later). */
    private void parkFor(long nanos) {
        long deadline = System.nanoTime() + nanos;
        long left;
        while (!closed && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left);
        }
    }

    /** One Stream call. Callbacks run on the channel's event loop: they only record and wake. */
    private final class Attempt implements ClientResponseObserver<MessageBatch, StreamSummary> {
        volatile ClientCallStreamObserver<MessageBatch> call;
        volatile boolean done;
        volatile Status failure;
        volatile PeerRefusal refusal;
        /** Set by the sender thread once the stream was ready and its first batch went out; then any thread may write. */
        volatile boolean ready;
        // Sender thread only.
        long readyNanos;
        // Guarded by `writing`.
        boolean sentFirst;

        @Override
        public void beforeStart(ClientCallStreamObserver<MessageBatch> requestStream) {
            call = requestStream;
            requestStream.setOnReadyHandler(PeerSender.this::wake);
        }

        @Override
        public void onNext(StreamSummary value) {
            // The summary only comes after we half-close, which we never do: nothing to learn.
        }

        @Override
        public void onError(Throwable t) {
            refusal = PeerRefusal.of(t);
            failure = Status.fromThrowable(t);
            done = true;
            wake();
        }

        @Override
        public void onCompleted() {
            failure = Status.UNAVAILABLE.withDescription("peer ended the stream");
            done = true;
            wake();
        }

        void cancel(String why) {
            ClientCallStreamObserver<MessageBatch> c = call;
            if (c != null) {
                c.cancel(why, null);
            }
        }
    }
}
