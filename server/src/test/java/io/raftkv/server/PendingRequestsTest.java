package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.proto.ErrorDetail;
import io.raftkv.storage.Applied;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class PendingRequestsTest {
    private static final long FAR = Long.MAX_VALUE / 2;

    /**
     * Issue 12 defect 1: leader A proposes at index 8 in term 1, is deposed, its entry is truncated by the
     * next leader, A is re-elected and proposes at index 8 again. The first request used to be overwritten
     * in the map and never answered (and its admission slot leaked).
     */
    @Test
    void reusedIndexAnswersTheOlderProposalAsNotApplied() {
        PendingRequests pending = new PendingRequests();
        CompletableFuture<Applied> first = new CompletableFuture<>();
        CompletableFuture<Applied> beyond = new CompletableFuture<>();
        pending.addProposal(8, new PendingRequests.Proposal(1, FAR, first));
        pending.addProposal(9, new PendingRequests.Proposal(1, FAR, beyond));
        CompletableFuture<Applied> second = new CompletableFuture<>();
        pending.addProposal(8, new PendingRequests.Proposal(3, FAR, second));

        assertEquals(ErrorDetail.Code.NO_LEADER, code(first), "the older proposal is answered: certainly not applied");
        assertEquals(ErrorDetail.Code.NO_LEADER, code(beyond), "so is every older proposal beyond the reused index");
        assertFalse(second.isDone());
        assertEquals(1, pending.proposalCount());
    }

    @Test
    void proposalsOfTheSameTermAtOtherIndexesAreUntouched() {
        PendingRequests pending = new PendingRequests();
        CompletableFuture<Applied> seven = new CompletableFuture<>();
        CompletableFuture<Applied> olderBelow = new CompletableFuture<>();
        pending.addProposal(5, new PendingRequests.Proposal(1, FAR, olderBelow));
        pending.addProposal(7, new PendingRequests.Proposal(3, FAR, seven));
        pending.addProposal(8, new PendingRequests.Proposal(3, FAR, new CompletableFuture<>()));
        assertFalse(seven.isDone());
        assertFalse(olderBelow.isDone(), "an older proposal below the new index may still have committed");
        assertEquals(3, pending.proposalCount());
    }

    private static ErrorDetail.Code code(CompletableFuture<Applied> f) {
        assertTrue(f.isCompletedExceptionally(), "still waiting: the client would never get an answer");
        try {
            f.join();
            throw new AssertionError("completed normally");
        } catch (CompletionException e) {
            return ((NodeException) e.getCause()).detail.getCode();
        }
    }
}
