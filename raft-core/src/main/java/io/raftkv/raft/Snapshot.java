package io.raftkv.raft;

import java.util.Objects;

/**
 * A snapshot as the core passes it around. {@code data} is opaque to the core and may be empty: a server
 * whose state is large streams the real image out of band (in checksummed chunks) and uses this value
 * only for its metadata.
 */
public record Snapshot(SnapshotMetadata metadata, byte[] data) {
    public static final Snapshot EMPTY = new Snapshot(SnapshotMetadata.EMPTY, new byte[0]);

    public Snapshot {
        Objects.requireNonNull(metadata, "metadata");
        data = data == null ? new byte[0] : data;
    }

    public boolean isEmpty() {
        return metadata.index() == 0;
    }

    public long index() {
        return metadata.index();
    }

    public long term() {
        return metadata.term();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Snapshot s && s.metadata.equals(metadata) && java.util.Arrays.equals(s.data, data);
    }

    @Override
    public int hashCode() {
        return metadata.hashCode() * 31 + java.util.Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Snapshot[" + metadata.index() + "/" + metadata.term() + " " + metadata.confState() + " " + data.length + "B]";
    }
}
