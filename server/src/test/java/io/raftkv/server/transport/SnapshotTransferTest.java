package io.raftkv.server.transport;

import static io.raftkv.server.transport.TransportTesting.assertNoTransportThreads;
import static io.raftkv.server.transport.TransportTesting.connectPair;
import static io.raftkv.server.transport.TransportTesting.deadAddress;
import static io.raftkv.server.transport.TransportTesting.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ServerInterceptor;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Message;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.Command;
import io.raftkv.storage.CommandCodec;
import io.raftkv.storage.KeyRange;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.Request;
import io.raftkv.storage.SnapshotReceiver;
import io.raftkv.storage.SnapshotSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real RaftStore images streamed between two transports: plain, interrupted and resumed, damaged in transit. */
class SnapshotTransferTest {
    static final int KEYS = 400;
    static final int CHUNK_BYTES = 2 << 10;

    @TempDir
    Path tmp;

    private final List<TestNode> nodes = new ArrayList<>();

    private TestNode node(long id, ServerInterceptor... taps) {
        TestNode n = new TestNode(id, 7, tmp.resolve("n" + id), CHUNK_BYTES, taps);
        nodes.add(n);
        return n;
    }

    @AfterEach
    void closeAndCheckThreads() throws Exception {
        for (TestNode n : nodes) {
            n.close();
        }
        assertNoTransportThreads();
    }

    /** Writes KEYS keys through the log and the state machine, then snapshots: about 25 chunks. */
    static SnapshotMetadata fillAndSnapshot(RaftStore s) {
        List<Entry> ents = new ArrayList<>();
        long next = s.log().lastIndex() + 1;
        for (int i = 0; i < KEYS; i++) {
            Command.Put put = new Command.Put(Bytes.of(String.format("key/%04d", i)), Bytes.of("value-" + i + "-".repeat(80)));
            ents.add(Entry.normal(2, next++, CommandCodec.encode(Request.of(put))));
        }
        s.persist(new Ready(Optional.empty(), Optional.of(new HardState(2, 1, next - 1)), List.of(), ents, Optional.empty(),
                List.of(), List.of(), List.of(), true));
        s.stateMachine().apply(ents, Map.of());
        return s.createSnapshot();
    }

    private static Message.InstallSnapshot installSnapshot(SnapshotMetadata meta) {
        return new Message.InstallSnapshot(1, 2, 5, new Snapshot(meta, null));
    }

    /** Sender a (with data) and receiver b, both connected; returns the snapshot a holds. */
    private SnapshotMetadata twoNodes(TestNode a, TestNode b) {
        SnapshotMetadata meta = fillAndSnapshot(a.store);
        connectPair(a, b);
        return meta;
    }

    /** The receiver got exactly the InstallSnapshot the sender sent; installing the image gives the same state. */
    private static void assertDeliveredAndInstallable(TestNode a, TestNode b, SnapshotMetadata meta) throws Exception {
        assertEquals(new TestNode.SnapshotReport(2, true), next(a.inbox.snapshots, "the sender's report"));
        // The node heard of the image before the sender reported success.
        assertTrue(b.inbox.received.contains(installSnapshot(meta)), "InstallSnapshot at the receiver: " + b.inbox.received);
        b.store.persist(new Ready(Optional.empty(), Optional.of(new HardState(5, 0, meta.index())), List.of(), List.of(),
                Optional.of(new Snapshot(meta, null)), List.of(), List.of(), List.of(), true));
        assertEquals(a.store.stateMachine().applied(), b.store.stateMachine().applied());
        assertEquals(a.store.stateMachine().range(KeyRange.all(), 10_000), b.store.stateMachine().range(KeyRange.all(), 10_000));
        assertEquals(KEYS, b.store.stateMachine().range(KeyRange.all(), 10_000).kvs().size());
    }

    private static int chunkCount(TestNode n, SnapshotMetadata meta) {
        try (SnapshotSource s = n.store.openSnapshot(meta)) {
            return s.chunkCount();
        }
    }

    @Test
    void anImageIsStreamedAndTheNodeHearsOfItOnlyWhenComplete() throws Exception {
        SnapshotTap tap = SnapshotTap.observing();
        TestNode a = node(1);
        TestNode b = node(2, tap);
        SnapshotMetadata meta = twoNodes(a, b);
        int chunks = chunkCount(a, meta);
        assertTrue(chunks >= 15, "chunks: " + chunks);
        // Normal traffic keeps flowing beside the transfer.
        a.transport.send(List.of(installSnapshot(meta), new Message.Heartbeat(1, 2, 5, meta.index(), 0)));
        assertDeliveredAndInstallable(a, b, meta);
        assertEquals(new Message.Heartbeat(1, 2, 5, meta.index(), 0),
                next(b.inbox.received, 2, "heartbeat and snapshot").stream().filter(m -> m instanceof Message.Heartbeat)
                        .findFirst().orElseThrow());
        assertEquals(1, tap.framesPerCall.size());
        assertEquals(chunks, tap.framesPerCall.get(0).size(), "every frame sent once");
    }

    @Test
    void aBrokenTransferResumesFromTheReceiversNextChunk() throws Exception {
        SnapshotTap tap = SnapshotTap.breakingFirstCallAt(9);
        TestNode a = node(1);
        TestNode b = node(2, tap);
        SnapshotMetadata meta = twoNodes(a, b);
        a.transport.send(List.of(installSnapshot(meta)));
        assertDeliveredAndInstallable(a, b, meta);
        assertEquals(2, tap.framesPerCall.size(), "one reconnect: " + tap.framesPerCall);
        assertEquals(9, tap.framesPerCall.get(1).get(0), "the second call starts where the .part file ends");
        assertEquals(chunkCount(a, meta) - 9, tap.framesPerCall.get(1).size(), "nothing stored was sent again");
    }

    @Test
    void aDamagedFrameIsRejectedAndSentAgain() throws Exception {
        SnapshotTap tap = SnapshotTap.corrupting(5, false);
        TestNode a = node(1);
        TestNode b = node(2, tap);
        SnapshotMetadata meta = twoNodes(a, b);
        a.transport.send(List.of(installSnapshot(meta)));
        assertDeliveredAndInstallable(a, b, meta);
        List<Integer> seqs = tap.framesPerCall.get(0);
        assertEquals(2, seqs.stream().filter(s -> s == 5).count(), "chunk 5 resent: " + seqs);
    }

    @Test
    void aFrameDamagedEveryTimeFailsTheTransferCleanly() throws Exception {
        SnapshotTap tap = SnapshotTap.corrupting(3, true);
        TestNode a = node(1);
        TestNode b = node(2, tap);
        SnapshotMetadata meta = twoNodes(a, b);
        a.transport.send(List.of(installSnapshot(meta)));
        assertEquals(new TestNode.SnapshotReport(2, false), next(a.inbox.snapshots, "the failure report"));
        a.transport.close();
        b.transport.close();
        assertTrue(b.inbox.received.isEmpty(), "the node never heard of an incomplete image");
        SnapshotReceiver r = b.store.receiveSnapshot(meta);
        try {
            assertEquals(3, r.nextChunk(), "the good prefix is kept for a later resume");
        } finally {
            r.close();
        }
    }

    @Test
    void aTransferToADeadPeerFailsAfterBoundedAttempts() throws Exception {
        TestNode a = node(1);
        SnapshotMetadata meta = fillAndSnapshot(a.store);
        a.connect(a.config(new TreeMap<>(Map.of(2L, deadAddress()))));
        a.transport.send(List.of(installSnapshot(meta)));
        assertEquals(new TestNode.SnapshotReport(2, false), next(a.inbox.snapshots, "the failure report"));
    }

    @Test
    void aMissingImageFailsAtOnce() throws Exception {
        TestNode a = node(1);
        TestNode b = node(2);
        connectPair(a, b);
        SnapshotMetadata missing = new SnapshotMetadata(99, 9, TestNode.MEMBERS);
        a.transport.send(List.of(installSnapshot(missing)));
        assertEquals(new TestNode.SnapshotReport(2, false), next(a.inbox.snapshots, "the failure report"));
    }
}
