package io.raftkv.chaos;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP proxy of one directed link {@code from -> to}: node {@code from} dials this proxy's port
 * whenever it sends to {@code to}, and the proxy forwards to {@code to}'s real peer port, applying the
 * link's {@link LinkFaults}. Raft traffic between raftkv nodes is one stream per ordered pair of nodes
 * (the sender's), so faults on this proxy are faults on exactly that direction; the bytes flowing back
 * on the same connection are only transport acknowledgements, forwarded untouched.
 */
final class LinkProxy implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(LinkProxy.class);
    private static final int CHUNK = 64 << 10;
    /** Chunks held for delay before the reader stops reading (and TCP pushes back on the sender). */
    private static final int MAX_QUEUED_CHUNKS = 512;

    private final Link link;
    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong cut = new AtomicLong();
    private volatile LinkFaults faults = LinkFaults.NONE;
    private volatile boolean closed;

    LinkProxy(Link link, int targetPort) throws IOException {
        this.link = link;
        this.target = new InetSocketAddress(Ports.LOOPBACK, targetPort);
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(Ports.LOOPBACK, 0), 64);
        this.acceptor = new Thread(this::acceptLoop, "proxy-" + link.from() + "-to-" + link.to());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    Link link() {
        return link;
    }

    int port() {
        return server.getLocalPort();
    }

    LinkFaults faults() {
        return faults;
    }

    /** Connections accepted and connections cut by faults so far (for tests and the log). */
    long accepted() {
        return accepted.get();
    }

    long cut() {
        return cut.get();
    }

    int openConnections() {
        return connections.size();
    }

    /** Applies new faults; blocking cuts every open connection at once, like a pulled cable. */
    void set(LinkFaults f) {
        faults = f;
        if (f.blocked()) {
            for (Connection c : connections) {
                cut.incrementAndGet();
                c.close();
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket in;
            try {
                in = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("proxy {} stopped accepting: {}", link, e.toString());
                }
                return;
            }
            accepted.incrementAndGet();
            if (faults.blocked()) {
                cut.incrementAndGet();
                closeQuietly(in);
                continue;
            }
            Socket out = new Socket();
            try {
                in.setTcpNoDelay(true);
                out.setTcpNoDelay(true);
                out.connect(target, 2_000);
            } catch (IOException e) {
                // The target is down (killed): the caller sees its connection close, as it would have.
                closeQuietly(in);
                closeQuietly(out);
                continue;
            }
            Connection c = new Connection(in, out);
            connections.add(c);
            if (closed || faults.blocked()) {
                c.close();
            } else {
                c.start();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Connection c : connections) {
            c.close();
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Closing is best effort: the socket may already be gone.
        }
    }

    private record Chunk(byte[] data, int length, long dueNanos) {
        static final Chunk END = new Chunk(new byte[0], 0, 0);
    }

    /** One proxied connection: the forward direction through a delay queue, the reverse copied as is. */
    private final class Connection {
        private final Socket in;
        private final Socket out;
        private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>(MAX_QUEUED_CHUNKS);
        private final Thread reader;
        private final Thread writer;
        private final Thread back;
        private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile boolean done;
        private long lastDue;

        Connection(Socket in, Socket out) {
            this.in = in;
            this.out = out;
            String name = "proxy-" + link.from() + "-to-" + link.to() + "-" + accepted.get();
            this.reader = daemon(this::readForward, name + "-read");
            this.writer = daemon(this::writeForward, name + "-write");
            this.back = daemon(this::copyBack, name + "-back");
        }

        void start() {
            reader.start();
            writer.start();
            back.start();
        }

        private Thread daemon(Runnable r, String name) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }

        private void readForward() {
            try {
                InputStream src = in.getInputStream();
                while (!done) {
                    byte[] buf = new byte[CHUNK];
                    int n = src.read(buf);
                    if (n < 0) {
                        break;
                    }
                    LinkFaults f = faults;
                    if (f.blocked() || (f.loss() > 0 && ThreadLocalRandom.current().nextDouble() < f.loss())) {
                        cut.incrementAndGet();
                        break;
                    }
                    long delay = TimeUnit.MILLISECONDS.toNanos(f.delayMillis()
                            + (f.jitterMillis() > 0 ? ThreadLocalRandom.current().nextLong(f.jitterMillis() + 1) : 0));
                    // Never earlier than the chunk before: a byte stream keeps its order whatever the jitter.
                    long due = Math.max(lastDue, System.nanoTime() + delay);
                    lastDue = due;
                    queue.put(new Chunk(buf, n, due));
                }
            } catch (IOException | InterruptedException e) {
                // Closed under us (cut, target died, proxy closing): the end of this connection either way.
            } finally {
                queue.offer(Chunk.END);
                close();
            }
        }

        private void writeForward() {
            try {
                OutputStream dst = out.getOutputStream();
                while (true) {
                    Chunk c = queue.take();
                    if (c == Chunk.END || done) {
                        return;
                    }
                    long wait;
                    while ((wait = c.dueNanos() - System.nanoTime()) > 0 && !done) {
                        LockSupport.parkNanos(wait);
                    }
                    if (done) {
                        return;
                    }
                    dst.write(c.data(), 0, c.length());
                    dst.flush();
                }
            } catch (IOException | InterruptedException e) {
                // As in readForward.
            } finally {
                close();
            }
        }

        private void copyBack() {
            try {
                InputStream src = out.getInputStream();
                OutputStream dst = in.getOutputStream();
                byte[] buf = new byte[CHUNK];
                int n;
                while (!done && (n = src.read(buf)) >= 0) {
                    dst.write(buf, 0, n);
                    dst.flush();
                }
            } catch (IOException e) {
                // As in readForward.
            } finally {
                close();
            }
        }

        void close() {
            if (!closing.compareAndSet(false, true)) {
                return;
            }
            done = true;
            connections.remove(this);
            try {
                // RST rather than FIN: a cut cable does not say goodbye, and the peer should notice at once.
                in.setSoLinger(true, 0);
                out.setSoLinger(true, 0);
            } catch (SocketException ignored) {
                // Already closed.
            }
            closeQuietly(in);
            closeQuietly(out);
            // The writer may wait on the queue or a delay, the reader on a full queue: wake both.
            writer.interrupt();
            reader.interrupt();
        }
    }
}
