package io.raftkv.chaos;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free ports for the nodes, which bind them themselves (and again after every restart, so they cannot be
 * port 0). Chosen below Linux's ephemeral range (32768+), where the kernel picks the local ports of
 * outgoing connections: a port freed here is then not handed to some connection before the node binds it.
 */
final class Ports {
    /**
     * 127.0.0.1 by number: nodes are addressed as 127.0.0.1, and InetAddress.getLoopbackAddress() would be
     * ::1 under -Djava.net.preferIPv6Addresses=true.
     */
    static final InetAddress LOOPBACK = loopback();

    private static final int LOW = 20_000;
    private static final int HIGH = 32_000;

    private Ports() {
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("a four-byte address is always valid", e);
        }
    }

    static List<Integer> free(int count) {
        Set<Integer> chosen = new HashSet<>();
        List<Integer> out = new ArrayList<>();
        for (int attempt = 0; out.size() < count; attempt++) {
            if (attempt > 10_000) {
                throw new IllegalStateException("cannot find " + count + " free ports in " + LOW + ".." + HIGH);
            }
            int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
            if (chosen.contains(port) || !bindable(port)) {
                continue;
            }
            chosen.add(port);
            out.add(port);
        }
        return out;
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(Ports.LOOPBACK, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
