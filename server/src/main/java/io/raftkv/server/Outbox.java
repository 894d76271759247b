package io.raftkv.server;

import io.raftkv.raft.Message;
import io.raftkv.server.transport.PeerTransport;
import java.util.List;
import java.util.SortedMap;

/** Where the raft thread's output to peers goes (the peer transport; tests may capture it). */
interface Outbox {
    /** Queues messages for their peers without blocking. */
    void send(List<Message> messages);

    /** The set of peers to keep streams to, id to address. */
    void updatePeers(SortedMap<Long, String> peers);

    /** Nowhere: before the transport is started. */
    Outbox NONE = new Outbox() {
        @Override
        public void send(List<Message> messages) {
        }

        @Override
        public void updatePeers(SortedMap<Long, String> peers) {
        }
    };

    /** The node's peer transport. */
    record Transport(PeerTransport transport) implements Outbox {
        @Override
        public void send(List<Message> messages) {
            transport.send(messages);
        }

        @Override
        public void updatePeers(SortedMap<Long, String> peers) {
            transport.updatePeers(peers);
        }
    }
}
