package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.proto.ErrorDetail;
import io.raftkv.storage.Applied;
import io.raftkv.storage.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class WaitersTest {
    private static final long FAR = Long.MAX_VALUE / 2;

    private final Waiters waiters = new Waiters();
    private final List<Reply> out = new ArrayList<>();

    /**
     * Issue 12 defect 1: leader A proposes at index 8 in term 1, is deposed, its entry is truncated by the
     * next leader, A is re-elected and proposes at index 8 again. The first request used to be overwritten
     * in the map and never answered (and its admission slot leaked).
     */
    @Test
    void reusedIndexAnswersTheOlderProposalAsNotApplied() {
        CompletableFuture<Applied> first = track(8, 1);
        CompletableFuture<Applied> beyond = track(9, 1);
        CompletableFuture<Applied> second = track(8, 3);

        assertEquals(ErrorDetail.Code.NO_LEADER, code(first), "the older proposal is answered: certainly not applied");
        assertEquals(ErrorDetail.Code.NO_LEADER, code(beyond), "so is every older proposal beyond the reused index");
        assertFalse(second.isDone());
        assertEquals(1, waiters.proposalCount());
    }

    @Test
    void proposalsOfTheSameTermAtOtherIndexesAreUntouched() {
        CompletableFuture<Applied> olderBelow = track(5, 1);
        CompletableFuture<Applied> seven = track(7, 3);
        track(8, 3);
        complete();
        assertFalse(seven.isDone());
        assertFalse(olderBelow.isDone(), "an older proposal below the new index may still have committed");
        assertEquals(3, waiters.proposalCount());
    }

    @Test
    void appliedEntryOfAnotherTermAnswersNotApplied() {
        CompletableFuture<Applied> mine = track(4, 2);
        CompletableFuture<Applied> next = track(5, 2);
        waiters.applied(new Applied(4, 3, null, new Result.NoOp()), out);
        waiters.applied(new Applied(5, 2, null, new Result.NoOp()), out);
        complete();
        assertEquals(ErrorDetail.Code.NO_LEADER, code(mine));
        assertEquals(5, next.join().index());
    }

    @Test
    void readsAreServedOnceTheirIndexIsApplied() {
        CompletableFuture<Long> early = new CompletableFuture<>();
        CompletableFuture<Long> late = new CompletableFuture<>();
        waiters.awaitApply(3, new Waiters.Read(FAR, early), 5, out);
        waiters.awaitApply(9, new Waiters.Read(FAR, late), 5, out);
        complete();
        assertEquals(5, early.join());
        assertFalse(late.isDone());
        waiters.appliedThrough(9, out);
        complete();
        assertEquals(9, late.join());
    }

    @Test
    void expiredProposalsFailWithUnknownOutcome() {
        CompletableFuture<Applied> f = new CompletableFuture<>();
        waiters.track(new Waiters.Proposal(3, 1, 100, f), out);
        waiters.expire(99, out);
        complete();
        assertFalse(f.isDone());
        waiters.expire(101, out);
        complete();
        assertEquals(ErrorDetail.Code.NO_QUORUM, code(f));
    }

    private CompletableFuture<Applied> track(long index, long term) {
        CompletableFuture<Applied> f = new CompletableFuture<>();
        waiters.track(new Waiters.Proposal(index, term, FAR, f), out);
        complete();
        return f;
    }

    private void complete() {
        out.forEach(Reply::complete);
        out.clear();
    }

    private static ErrorDetail.Code code(CompletableFuture<?> f) {
        assertTrue(f.isCompletedExceptionally(), "still waiting: the client would never get an answer");
        try {
            f.join();
            throw new AssertionError("completed normally");
        } catch (CompletionException e) {
            return ((NodeException) e.getCause()).detail.getCode();
        }
    }
}
