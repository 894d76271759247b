package io.raftkv.server.transport;

/** A node's space, as its peers learn it from each probe: bytes of replicated state and free disk. */
public record Usage(long stateBytes, long diskFreeBytes, long measuredAtNanos) {
    public static final Usage UNKNOWN = new Usage(-1, -1, 0);

    public boolean known() {
        return stateBytes >= 0;
    }
}
