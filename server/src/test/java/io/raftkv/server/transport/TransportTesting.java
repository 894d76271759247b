package io.raftkv.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** Waiting and checking helpers shared by the transport tests (no sleeps: queues with timeouts). */
final class TransportTesting {
    static final long TIMEOUT_SECONDS = 10;

    private TransportTesting() {
    }

    static <T> T next(BlockingQueue<T> q, String what) throws InterruptedException {
        T v = q.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(v, "timed out waiting for " + what);
        return v;
    }

    static <T> List<T> next(BlockingQueue<T> q, int n, String what) throws InterruptedException {
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(next(q, what + " (" + i + " of " + n + " arrived)"));
        }
        return out;
    }

    /** Waits until {@code value} appears in {@code q}, discarding other values before it. */
    static <T> void awaitValue(BlockingQueue<T> q, T value, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            long left = deadline - System.nanoTime();
            T v = left <= 0 ? null : q.poll(left, TimeUnit.NANOSECONDS);
            assertNotNull(v, "timed out waiting for " + what);
            if (v.equals(value)) {
                return;
            }
        }
    }

    /** host:port where nothing listens (bound once, then released). */
    static String deadAddress() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SortedMap<Long, String> peers(TestNode self, TestNode... others) {
        TreeMap<Long, String> m = new TreeMap<>();
        for (TestNode o : others) {
            if (o != self) {
                m.put(o.id, o.address());
            }
        }
        return m;
    }

    /**
     * Connects two nodes to each other with test timings, {@code b} first: it serves its transport before
     * {@code a}'s stream can reach it (until then its port answers UNIMPLEMENTED).
     */
    static void connectPair(TestNode a, TestNode b) {
        b.connect(b.config(peers(b, a)));
        a.connect(a.config(peers(a, b)));
    }

    /** Every thread the transport started has ended (waiting for each by join, bounded). */
    static void assertNoTransportThreads() throws InterruptedException {
        List<String> alive = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(PeerTransport.THREAD_PREFIX)) {
                // An executor thread may still be unwinding right after awaitTermination returned.
                t.join(TimeUnit.SECONDS.toMillis(5));
                if (t.isAlive()) {
                    alive.add(t.getName());
                }
            }
        }
        assertEquals(List.of(), alive, "transport threads left running after close");
    }
}
