package io.raftkv.server.transport;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per refused connection (junk on a port, a failed TLS handshake), naming the remote address,
 * but at most one line per remote host per minute: the connections in between are counted and the count goes
 * into that host's next line. A scanner or a misconfigured client retrying in a loop costs a line a minute.
 */
final class JunkLog {
    static final Logger LOG = LoggerFactory.getLogger("io.raftkv.server.transport.Connections");
    static final Duration WINDOW = Duration.ofMinutes(1);
    /** Hosts remembered at once; beyond that, all other hosts share one window (a flood from many addresses). */
    private static final int MAX_HOSTS = 1024;
    private static final String OTHER_HOSTS = "other hosts";

    private final LongSupplier nanos;
    private final long windowNanos;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    /** Per host: when its current window started and how many lines it swallowed so far. */
    private static final class Window {
        long startNanos;
        long suppressed;

        Window(long startNanos) {
            this.startNanos = startNanos;
        }
    }

    JunkLog(LongSupplier nanos, Duration window) {
        this.nanos = nanos;
        this.windowNanos = window.toNanos();
    }

    JunkLog() {
        this(System::nanoTime, WINDOW);
    }

    /** Logs (or counts) that a connection from {@code remote} to the {@code listener} port was refused {@code why}. */
    void refused(String listener, SocketAddress remote, String why) {
        String address = describe(remote);
        String host = remote instanceof InetSocketAddress i && i.getAddress() != null ? i.getAddress().getHostAddress() : address;
        emit(host, "refused a connection from " + address + " to the " + listener + " port: " + why);
    }

    /** Logs {@code line} unless {@code source} had its line this minute; then it is only counted. */
    void emit(String source, String line) {
        long suppressed = admit(source);
        if (suppressed < 0) {
            return;
        }
        LOG.warn("{}{}", line, suppressed == 0 ? "" : " (" + suppressed + " more from " + source + " in the last minute, not logged)");
    }

    /** -1: count it, log nothing; otherwise log now, with how many were counted since the last line. */
    private long admit(String host) {
        long now = nanos.getAsLong();
        if (windows.size() >= MAX_HOSTS && !windows.containsKey(host)) {
            windows.values().removeIf(w -> now - w.startNanos >= windowNanos);
            if (windows.size() >= MAX_HOSTS) {
                host = OTHER_HOSTS;
            }
        }
        long[] result = new long[1];
        windows.compute(host, (h, w) -> {
            if (w == null) {
                result[0] = 0;
                return new Window(now);
            }
            if (now - w.startNanos >= windowNanos) {
                result[0] = w.suppressed;
                w.startNanos = now;
                w.suppressed = 0;
                return w;
            }
            w.suppressed++;
            result[0] = -1;
            return w;
        });
        return result[0];
    }

    static String describe(SocketAddress remote) {
        if (remote == null) {
            return "an unknown address";
        }
        String s = remote.toString();
        return s.startsWith("/") ? s.substring(1) : s;
    }
}
