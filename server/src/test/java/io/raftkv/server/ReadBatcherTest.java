package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.proto.ErrorDetail;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ReadBatcherTest {
    private static final long FAR = Long.MAX_VALUE / 2;
    private static final long RETRY = 1_000;
    private static final NodeException REFUSAL = NodeException.notLeader(0, "");

    private final List<Long> started = new ArrayList<>();
    private final List<long[]> confirmed = new ArrayList<>();
    private final List<NodeException> failures = new ArrayList<>();
    private boolean coreAccepts = true;

    private final ReadBatcher batcher = new ReadBatcher(new ReadBatcher.Sink() {
        @Override
        public boolean startRound(long ctx) {
            if (coreAccepts) {
                started.add(ctx);
            }
            return coreAccepts;
        }

        @Override
        public void confirmed(long index, List<Waiters.Read> reads) {
            confirmed.add(new long[] {index, reads.size()});
        }

        @Override
        public void failed(Waiters.Read read, NodeException why) {
            failures.add(why);
        }
    }, RETRY);

    /** One round in flight at a time: a thousand reads cost two rounds, not a thousand (issue 11). */
    @Test
    void readsArrivingDuringARoundShareTheNextOne() {
        batcher.add(read(), true, REFUSAL, 0);
        for (int i = 0; i < 999; i++) {
            batcher.add(read(), true, REFUSAL, 0);
        }
        assertEquals(List.of(1L), started, "the reads that arrived after round 1 started wait for round 2");
        batcher.onReadState(1, 40, REFUSAL, 0);
        assertEquals(List.of(1L, 2L), started);
        batcher.onReadState(2, 41, REFUSAL, 0);
        assertEquals(2, confirmed.size());
        assertEquals(1, confirmed.get(0)[1]);
        assertEquals(999, confirmed.get(1)[1]);
        assertEquals(41, confirmed.get(1)[0]);
        assertEquals(0, batcher.waiting());
    }

    /** A read never joins a round that started before it arrived: that round may confirm a stale leader. */
    @Test
    void aStaleOrUnknownContextConfirmsNothing() {
        batcher.add(read(), true, REFUSAL, 0);
        batcher.onReadState(7, 40, REFUSAL, 0);
        assertTrue(confirmed.isEmpty());
        batcher.add(read(), true, REFUSAL, 0);
        batcher.onReadState(1, 40, REFUSAL, 0);
        assertEquals(1, confirmed.get(0)[1], "only the read that was there when round 1 started");
    }

    @Test
    void anUnansweredRoundIsStartedAgainWithANewContext() {
        batcher.add(read(), true, REFUSAL, 0);
        batcher.onTick(RETRY / 2, REFUSAL);
        assertEquals(List.of(1L), started);
        batcher.onTick(RETRY + 1, REFUSAL);
        assertEquals(List.of(1L, 2L), started);
        batcher.onReadState(1, 40, REFUSAL, RETRY + 2);
        assertTrue(confirmed.isEmpty(), "the abandoned round's answer is ignored");
        batcher.onReadState(2, 41, REFUSAL, RETRY + 2);
        assertEquals(1, confirmed.size());
    }

    @Test
    void leaderChangeMovesTheRoundToTheNewLeaderOrFailsWithoutOne() {
        batcher.add(read(), true, REFUSAL, 0);
        batcher.onLeaderChange(true, REFUSAL, 1);
        assertEquals(List.of(1L, 2L), started);
        batcher.onLeaderChange(false, REFUSAL, 2);
        assertEquals(1, failures.size());
        assertEquals(ErrorDetail.Code.NO_LEADER, failures.get(0).detail.getCode());
        assertEquals(0, batcher.waiting());
    }

    @Test
    void expiredReadsFailAndNoRoundIsStartedForNobody() {
        batcher.add(new Waiters.Read(10, new CompletableFuture<>()), true, REFUSAL, 0);
        batcher.onTick(11, REFUSAL);
        assertEquals(1, failures.size());
        assertEquals(ErrorDetail.Code.NO_QUORUM, failures.get(0).detail.getCode());
        batcher.onReadState(1, 5, REFUSAL, 12);
        assertTrue(confirmed.isEmpty());
        assertEquals(List.of(1L), started);
    }

    @Test
    void refusedWhenTheCoreCannotReadOrNoLeaderIsKnown() {
        batcher.add(read(), false, REFUSAL, 0);
        assertEquals(1, failures.size());
        coreAccepts = false;
        batcher.add(read(), true, REFUSAL, 0);
        assertEquals(2, failures.size());
        assertFalse(batcher.waiting() > 0);
    }

    private static Waiters.Read read() {
        return new Waiters.Read(FAR, new CompletableFuture<>());
    }
}
