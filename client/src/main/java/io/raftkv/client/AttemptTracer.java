package io.raftkv.client;

import io.grpc.Attributes;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;

/**
 * Tells whether an attempt ever got a stream on a connected transport. gRPC creates the stream only once a
 * connection is READY; a call that waited for a connection (a node down, a black-holed port, a handshake
 * that never completes) and then hit its deadline never left this process, so it cannot have been applied,
 * whatever its status says. Without this, such a deadline would look like one that expired in flight.
 */
final class AttemptTracer extends ClientStreamTracer.Factory {
    private volatile boolean streamCreated;

    @Override
    public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
        return new ClientStreamTracer() {
            @Override
            public void streamCreated(Attributes transportAttrs, Metadata headers) {
                streamCreated = true;
            }
        };
    }

    /** Whether the request may have left this process: a stream was created on a ready transport. */
    boolean mayHaveLeft() {
        return streamCreated;
    }
}
