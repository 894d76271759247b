package io.raftkv.server;

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
}
