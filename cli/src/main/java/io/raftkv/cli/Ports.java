package io.raftkv.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Port choice for a local cluster: the memorable defaults (peers 7001.., clients 8001..) when they are all
 * free, otherwise ports the OS hands out, so a second cluster or a busy port never blocks {@code local up}.
 */
final class Ports {
    static final int DEFAULT_BASE = 7001;
    /** Client ports sit this far above peer ports: 7001 and 8001 belong to the same node. */
    static final int CLIENT_OFFSET = 1000;
    /** Metrics ports (Prometheus /metrics) this far above: 9001 is node 1's. */
    static final int METRICS_OFFSET = 2000;

    private Ports() {
    }

    /**
     * @param peer     peer port of node i+1 at index i
     * @param client   client port of node i+1 at index i
     * @param metrics  metrics port of node i+1 at index i
     * @param fallback true when the ports came from the OS because the preferred ones were not all free
     */
    record Plan(List<Integer> peer, List<Integer> client, List<Integer> metrics, boolean fallback) {
    }

    /** Peer, client and metrics ports from {@code base}, or all from the OS if any of them is taken. */
    static Plan choose(int nodes, int base, IntPredicate isFree) {
        List<Integer> peer = new ArrayList<>();
        List<Integer> client = new ArrayList<>();
        List<Integer> metrics = new ArrayList<>();
        boolean ok = base > 0 && base + METRICS_OFFSET + nodes - 1 <= 65535;
        for (int i = 0; ok && i < nodes; i++) {
            peer.add(base + i);
            client.add(base + CLIENT_OFFSET + i);
            metrics.add(base + METRICS_OFFSET + i);
            ok = isFree.test(base + i) && isFree.test(base + CLIENT_OFFSET + i) && isFree.test(base + METRICS_OFFSET + i);
        }
        if (ok) {
            return new Plan(peer, client, metrics, false);
        }
        List<Integer> any = ephemeral(3 * nodes);
        return new Plan(any.subList(0, nodes), any.subList(nodes, 2 * nodes), any.subList(2 * nodes, 3 * nodes), true);
    }

    /** Whether nothing listens on 127.0.0.1:port (and nothing on the wildcard address blocks it). */
    static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(LocalCluster.HOST, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * {@code count} distinct free ports: all sockets are held open until every port is known, so the OS
     * cannot hand out the same port twice. Another process may still grab one before the node binds it;
     * {@code local up} then reports the node's bind error from its log.
     */
    static List<Integer> ephemeral(int count) {
        List<ServerSocket> held = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket();
                held.add(s);
                s.bind(new InetSocketAddress(LocalCluster.HOST, 0));
                ports.add(s.getLocalPort());
            }
            return List.copyOf(ports);
        } catch (IOException e) {
            throw CliException.failed("cannot find free ports on " + LocalCluster.HOST + ": " + e.getMessage());
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // Closing a listening socket that never accepted cannot lose anything.
                }
            }
        }
    }
}
