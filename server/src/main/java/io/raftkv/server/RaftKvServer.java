package io.raftkv.server;

/**
 * A running raftkv node: storage, the Raft driver threads, the peer transport and the client API.
 * The entry point for the CLI and for in-process tests.
 */
public final class RaftKvServer implements AutoCloseable {
    private final ServerConfig config;

    private RaftKvServer(ServerConfig config) {
        this.config = config;
    }

    /**
     * Opens the data directory, starts the node and binds both ports; returns once serving.
     *
     * @throws IllegalArgumentException for an inconsistent configuration
     * @throws io.raftkv.storage.StorageException when the data directory cannot be used (wrong node or
     *         cluster, corruption), with a message naming the problem
     */
    public static RaftKvServer start(ServerConfig config) {
        throw new UnsupportedOperationException("node driver not wired yet");
    }

    public ServerConfig config() {
        return config;
    }

    /** The port the client API is bound to (useful with port 0). */
    public int clientPort() {
        throw new UnsupportedOperationException("node driver not wired yet");
    }

    /** The port the peer API is bound to. */
    public int peerPort() {
        throw new UnsupportedOperationException("node driver not wired yet");
    }

    /** Blocks until the server has shut down. */
    public void awaitTermination() throws InterruptedException {
        throw new UnsupportedOperationException("node driver not wired yet");
    }

    /**
     * Graceful shutdown: a leader first transfers leadership, in-flight requests finish or fail with a
     * retryable status, then the transport and storage close.
     */
    @Override
    public void close() {
        throw new UnsupportedOperationException("node driver not wired yet");
    }
}
