package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Flow control under read load (issue 11): what a leader sends a lagging follower must not grow with the
 * number of ReadIndex requests. Every ReadIndex used to broadcast its own heartbeat round, and every
 * heartbeat answer from a follower in PROBE released a new probe of up to maxSizePerMsg: a returning
 * follower got one 1 MiB AppendEntries per read.
 */
class FlowControlTest {
    private static final int ENTRIES = 200;
    private static final int ENTRY_BYTES = 16 << 10;

    /** What the leader sent node 3, tick by tick. */
    record Sent(List<Integer> appends, List<Long> bytes, List<Integer> heartbeats, int ticksToCatchUp) {
        int maxAppends() {
            return Collections.max(appends);
        }

        long maxBytes() {
            return Collections.max(bytes);
        }

        long totalBytes() {
            return bytes.stream().mapToLong(Long::longValue).sum();
        }

        int maxHeartbeats() {
            return Collections.max(heartbeats);
        }
    }

    /**
     * Messages matching a predicate are held back one tick instead of delivered at once: a follower
     * whose answers take a tick, so that the leader acts on answers to earlier rounds while later ones
     * are on the way.
     */
    private static final class Hold {
        final List<Message> held = new ArrayList<>();
        final Set<Message> released = Collections.newSetFromMap(new IdentityHashMap<>());

        Predicate<Message> filter(Predicate<Message> which) {
            return m -> {
                if (!which.test(m) || released.remove(m)) {
                    return false;
                }
                held.add(m);
                return true;
            };
        }

        void release(TestCluster c) {
            released.addAll(held);
            c.inflight.addAll(held);
            held.clear();
        }
    }

    /**
     * Node 3 misses {@value #ENTRIES} entries of {@value #ENTRY_BYTES} bytes (3.2 MB, about four full
     * messages), the transport reports it unreachable (PROBE), then it returns with answers that take a
     * tick while the leader serves {@code readsPerTick} ReadIndex requests per tick.
     */
    private static Sent laggingFollowerUnderReadLoad(int readsPerTick) {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(3);
        c.node(1).reportUnreachable(3);
        for (int i = 0; i < ENTRIES; i++) {
            byte[] data = new byte[ENTRY_BYTES];
            data[0] = (byte) i;
            c.node(1).propose(data);
        }
        c.stabilize();
        assertEquals(Status.ProgressState.PROBE, c.node(1).status().progress().get(3L).state());
        c.heal();
        Hold hold = new Hold();
        c.drop(hold.filter(m -> m.from() == 3));
        List<Integer> appends = new ArrayList<>();
        List<Long> bytes = new ArrayList<>();
        List<Integer> heartbeats = new ArrayList<>();
        long ctx = 0;
        int caughtUp = -1;
        for (int tick = 0; tick < 30 && caughtUp < 0; tick++) {
            c.delivered.clear();
            hold.release(c);
            for (int i = 0; i < readsPerTick; i++) {
                c.node(1).readIndex(++ctx);
            }
            c.tickAll(1);
            int a = 0;
            long b = 0;
            int h = 0;
            for (Message m : c.delivered) {
                if (m.to() == 3 && m instanceof Message.AppendEntries app) {
                    a++;
                    b += app.entries().stream().mapToLong(Entry::sizeBytes).sum();
                } else if (m.to() == 3 && m instanceof Message.Heartbeat) {
                    h++;
                }
            }
            appends.add(a);
            bytes.add(b);
            heartbeats.add(h);
            if (c.applied.get(3L).size() == c.applied.get(1L).size()) {
                caughtUp = tick + 1;
            }
        }
        assertTrue(caughtUp > 0, "node 3 did not catch up in 30 ticks");
        assertEquals(c.appliedData(1), c.appliedData(3));
        assertEquals(ctx, c.reads.get(1L).size(), "every read is answered");
        return new Sent(appends, bytes, heartbeats, caughtUp);
    }

    @Test
    void laggingFollowerGetsBoundedAppendsPerHeartbeatIntervalWhateverTheReadLoad() {
        Sent one = laggingFollowerUnderReadLoad(1);
        Sent many = laggingFollowerUnderReadLoad(100);
        System.out.println("[flow] 1 read/tick: " + one + "\n[flow] 100 reads/tick: " + many);
        long backlog = (long) ENTRIES * (ENTRY_BYTES + Entry.OVERHEAD_BYTES);
        for (Sent s : List.of(one, many)) {
            // A probe of one entry, then the backlog in full messages within the window.
            assertTrue(s.maxAppends() <= 6, "appends to node 3 in one tick: " + s.appends());
            assertTrue(s.totalBytes() <= backlog + 2 * (ENTRY_BYTES + Entry.OVERHEAD_BYTES),
                    "sent " + s.totalBytes() + " B for a backlog of " + backlog + " B");
            // The tick's own heartbeat plus at most two read rounds (one in flight, one for reads that waited).
            assertTrue(s.maxHeartbeats() <= 3, "heartbeats to node 3 in one tick: " + s.heartbeats());
        }
        assertEquals(one.appends(), many.appends(), "appends must not depend on the read load");
        assertEquals(one.bytes(), many.bytes(), "bytes must not depend on the read load");
    }

    /**
     * In REPLICATE with a full window and answers that never come, a heartbeat answer frees one slot so a
     * lost append is discovered; but one per heartbeat interval, not one per answered read round.
     */
    @Test
    void fullWindowFreesOneSlotPerHeartbeatIntervalNotPerAnswer() {
        TestCluster c = TestCluster.of(3, id -> RaftConfig.defaults(id).withFlowControl(1 << 20, 4, 0));
        c.elect(1);
        c.drop(m -> m.from() == 3 && m instanceof Message.AppendResponse);
        for (int i = 0; i < 20; i++) {
            c.node(1).propose(TestCluster.bytes("p" + i));
            c.stabilize();
        }
        assertEquals(Status.ProgressState.REPLICATE, c.node(1).status().progress().get(3L).state());
        assertEquals(4, c.node(1).status().progress().get(3L).inflight());
        List<Integer> perTick = new ArrayList<>();
        long ctx = 0;
        for (int tick = 0; tick < 10; tick++) {
            c.delivered.clear();
            for (int i = 0; i < 50; i++) {
                c.node(1).readIndex(++ctx);
            }
            c.tickAll(1);
            perTick.add((int) c.delivered.stream().filter(m -> m.to() == 3 && m instanceof Message.AppendEntries).count());
        }
        System.out.println("[flow] full window, 50 reads/tick, appends to node 3 per tick: " + perTick);
        assertTrue(Collections.max(perTick) <= 1, "appends per tick: " + perTick);
        c.heal();
        c.tickAll(3);
        assertEquals(c.appliedData(1), c.appliedData(3));
    }

    /**
     * Reads that arrive while a round is in flight share the next round, which starts when the first is
     * confirmed; and safety: answers to a round sent before a read arrived never serve that read.
     */
    @Test
    void thesis6_4_readsArrivingDuringARoundShareTheNextRound() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.propose(1, "a");
        Hold hold = new Hold();
        c.drop(hold.filter(m -> m instanceof Message.HeartbeatResponse));
        c.delivered.clear();
        c.node(1).readIndex(1);
        c.stabilize();
        c.node(1).readIndex(2); // the round for read 1 is already on its way
        c.node(1).readIndex(3);
        c.stabilize();
        assertEquals(2, c.delivered.stream().filter(m -> m instanceof Message.Heartbeat).count(),
                "one round (to two followers) while reads 2 and 3 wait");
        hold.release(c);
        c.stabilize();
        assertEquals(List.of(1L), c.reads.get(1L).stream().map(ReadState::requestCtx).toList(),
                "answers to the round sent before reads 2 and 3 arrived may serve read 1 only");
        hold.release(c);
        c.stabilize();
        assertEquals(List.of(1L, 2L, 3L), c.reads.get(1L).stream().map(ReadState::requestCtx).toList());
        assertEquals(4, c.delivered.stream().filter(m -> m instanceof Message.Heartbeat).count(),
                "reads 2 and 3 shared one round");
    }

    /** A probe carries one entry: it will likely be rejected, and full messages are for REPLICATE. */
    @Test
    void probeCarriesOneEntry() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(3);
        c.node(1).reportUnreachable(3);
        for (int i = 0; i < 10; i++) {
            c.node(1).propose(new byte[1000]);
        }
        c.stabilize();
        c.heal();
        c.delivered.clear();
        c.tickAll(3);
        List<Message.AppendEntries> toThree = c.delivered.stream()
                .filter(m -> m.to() == 3 && m instanceof Message.AppendEntries)
                .map(m -> (Message.AppendEntries) m).toList();
        assertEquals(1, toThree.get(0).entries().size(), "the probe: " + toThree.get(0));
        assertEquals(c.appliedData(1), c.appliedData(3));
    }

    /**
     * Issue 12: a follower that lost entries it acknowledged (a disk that lied, or a driver that acked
     * before persisting) leaves the leader with a false match, and every probe at match is rejected
     * without moving next. The leader must not answer each rejection with the same probe at network
     * speed: one per heartbeat interval. (The logs cannot repair themselves: safety was already lost.)
     */
    @Test
    void followerThatLostAcknowledgedEntriesGetsOneProbePerHeartbeatInterval() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.propose(1, "a");
        MemoryStorage lost = MemoryStorage.bootstrap(ConfState.of(List.of(1L, 2L, 3L)));
        lost.setHardState(new HardState(c.storages.get(3L).hardState().term(), 0, MemoryStorage.BOOTSTRAP_INDEX));
        for (int i = 0; i < 5; i++) {
            c.propose(1, "b" + i);
        }
        c.storages.put(3L, lost); // 3 comes back without anything after the bootstrap snapshot
        c.restart(3);
        c.propose(1, "c"); // something to replicate: 3 rejects it, below what it acknowledged
        List<Integer> perTick = new ArrayList<>();
        for (int tick = 0; tick < 10; tick++) {
            c.delivered.clear();
            c.tickAll(1);
            perTick.add((int) c.delivered.stream().filter(m -> m.to() == 3 && m instanceof Message.AppendEntries).count());
        }
        System.out.println("[flow] false match, appends to node 3 per tick: " + perTick);
        assertTrue(Collections.max(perTick) <= 2, "appends per tick: " + perTick);
    }
}
