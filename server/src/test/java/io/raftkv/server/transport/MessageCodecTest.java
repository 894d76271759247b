package io.raftkv.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftkv.proto.peer.RaftMessage;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.Message;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MessageCodecTest {
    static final long SEED = Long.getLong("codec.seed", 0x5eed_c0dec_1L);

    @Test
    void randomMessagesSurviveTheWire() throws Exception {
        SplittableRandom rnd = new SplittableRandom(SEED);
        Set<Class<?>> seen = new HashSet<>();
        for (int i = 0; i < 3_000; i++) {
            Message m = randomMessage(rnd);
            seen.add(m.getClass());
            byte[] wire = MessageCodec.encode(m).toByteArray();
            Message back = MessageCodec.decode(RaftMessage.parseFrom(wire));
            assertEquals(m, back, "seed " + SEED + ", message " + i);
        }
        assertEquals(11, seen.size(), "every message type was generated: " + seen);
    }

    @Test
    void entryPayloadIsSharedNotCopiedWhenEncoding() {
        byte[] data = {1, 2, 3};
        ByteString wire = MessageCodec.encode(Entry.normal(1, 1, data)).getData();
        data[0] = 42; // Entry forbids this; here it proves the ByteString wraps the same array
        assertEquals(42, wire.byteAt(0));
    }

    @Test
    void garbageIsRefusedNotMisread() {
        assertThrows(IllegalArgumentException.class,
                () -> MessageCodec.decode(RaftMessage.newBuilder().setFrom(1).setTo(2).setTerm(1).build()), "no body");
        RaftMessage hugeTerm = MessageCodec.encode(new Message.TimeoutNow(1, 2, 1)).toBuilder().setTerm(-1L).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(hugeTerm));
        assertTrue(e.getMessage().contains("18446744073709551615"), e.getMessage());
        RaftMessage badType = RaftMessage.newBuilder().setFrom(1).setTo(2).setTerm(1)
                .setAppend(io.raftkv.proto.peer.AppendEntries.newBuilder()
                        .addEntries(io.raftkv.proto.peer.Entry.newBuilder().setIndex(1).setTerm(1).setTypeValue(7)))
                .build();
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(badType));
    }

    static Message randomMessage(SplittableRandom r) {
        long from = 1 + r.nextInt(7);
        long to = 1 + r.nextInt(7);
        long term = r.nextLong(Long.MAX_VALUE);
        switch (r.nextInt(11)) {
            case 0: {
                List<Entry> entries = new ArrayList<>();
                int n = r.nextInt(5);
                long prev = r.nextLong(1_000_000);
                for (int i = 0; i < n; i++) {
                    byte[] data = new byte[r.nextInt(3) == 0 ? 0 : r.nextInt(300)];
                    r.nextBytes(data);
                    entries.add(new Entry(term, prev + 1 + i, r.nextBoolean() ? EntryType.NORMAL : EntryType.CONF_CHANGE, data));
                }
                return new Message.AppendEntries(from, to, term, r.nextLong(Long.MAX_VALUE), prev, entries, r.nextLong(Long.MAX_VALUE));
            }
            case 1:
                return new Message.AppendResponse(from, to, term, r.nextLong(), r.nextBoolean(), r.nextLong(), r.nextLong());
            case 2:
                return new Message.Heartbeat(from, to, term, r.nextLong(), r.nextLong());
            case 3:
                return new Message.HeartbeatResponse(from, to, term, r.nextLong());
            case 4:
                return new Message.VoteRequest(from, to, term, r.nextLong(), r.nextLong(), r.nextBoolean(), r.nextBoolean());
            case 5:
                return new Message.VoteResponse(from, to, term, r.nextBoolean(), r.nextBoolean());
            case 6:
                return new Message.InstallSnapshot(from, to, term, new Snapshot(new SnapshotMetadata(r.nextLong(Long.MAX_VALUE),
                        r.nextLong(Long.MAX_VALUE), randomConf(r)), null));
            case 7:
                return new Message.TimeoutNow(from, to, term);
            case 8:
                return new Message.ReadIndexRequest(from, to, term, r.nextLong());
            case 9:
                return new Message.ReadIndexResponse(from, to, term, r.nextLong(), r.nextLong());
            default:
                return new Message.TransferLeader(from, to, term, r.nextLong());
        }
    }

    /** Voters, outgoing voters and learners-next from 1..5, learners from 6..9 (never also voters). */
    static ConfState randomConf(SplittableRandom r) {
        return new ConfState(ids(r, 1, 5), ids(r, 6, 9), r.nextBoolean() ? ids(r, 1, 5) : new TreeSet<>(), ids(r, 1, 5),
                r.nextBoolean());
    }

    private static TreeSet<Long> ids(SplittableRandom r, int lo, int hi) {
        TreeSet<Long> s = new TreeSet<>();
        for (long id = lo; id <= hi; id++) {
            if (r.nextBoolean()) {
                s.add(id);
            }
        }
        return s;
    }
}
