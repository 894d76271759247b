package io.raftkv.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-jar access to test-only server behaviour for other modules' tests (the client's failover tests),
 * so that no crash switch exists in the production API.
 */
public final class ServerTestSupport {
    private ServerTestSupport() {
    }

    /** Crash-stops a node: no leadership transfer, connections cut, storage closed without flushing. */
    public static void kill(RaftKvServer server) {
        server.kill();
    }

    /**
     * {@code n} distinct free loopback ports. All sockets stay open until every port is chosen: one at a
     * time, the kernel may hand the same just-released port out twice.
     */
    public static int[] freePorts(int n) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                s.setReuseAddress(true);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // released when the JVM exits anyway
                }
            }
        }
    }

}
