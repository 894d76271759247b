package io.raftkv.server.transport;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A peer's refusal of this node for good, as it travels: PERMISSION_DENIED plus a trailer naming why, so
 * the refused node can tell "you were removed" from "your data directory was recreated" without parsing
 * the description.
 */
enum PeerRefusal {
    /** The node was removed from the cluster; it must take no further part. */
    REMOVED,
    /** The node's id was seen before under another data directory: it lost its disk and must be replaced. */
    REPLACED;

    static final Metadata.Key<String> KEY = Metadata.Key.of("raftkv-peer-refusal", Metadata.ASCII_STRING_MARSHALLER);

    StatusRuntimeException toException(String why) {
        Metadata trailers = new Metadata();
        trailers.put(KEY, name().toLowerCase(java.util.Locale.ROOT));
        return Status.PERMISSION_DENIED.withDescription(why).asRuntimeException(trailers);
    }

    /** The refusal a failed call carried, or null. */
    static PeerRefusal of(Throwable t) {
        Metadata trailers = Status.trailersFromThrowable(t);
        String v = trailers == null ? null : trailers.get(KEY);
        if (v == null) {
            return null;
        }
        for (PeerRefusal r : values()) {
            if (r.name().equalsIgnoreCase(v)) {
                return r;
            }
        }
        return null;
    }

    /** What the refused node is told, and logs. */
    static String replacedWhy(long nodeId, long peer) {
        return (peer == 0 ? "the cluster" : "node " + peer) + " knows node " + nodeId
                + " with another data directory: this one was recreated "
                + "(an empty disk, or a backup restored again) and has forgotten votes and acknowledged entries; "
                + "letting it take part could lose committed writes. Replace it: remove node " + nodeId
                + " (raftkv member remove " + nodeId + "), add a new id as a learner, start that with --join, "
                + "promote it (docs/operations.md, 'Replacing a node')";
    }
}
