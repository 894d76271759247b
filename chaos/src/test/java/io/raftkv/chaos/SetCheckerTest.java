package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class SetCheckerTest {
    @Test
    void everyAcknowledgedAddInTheFinalReadIsValid() {
        Histories h = new Histories()
                .add(0, "s", "1", 0, 1, Outcome.OK)
                .add(1, "s", "2", 0, 2, Outcome.OK)
                .add(0, "s", "3", 2, 3, Outcome.INFO)     // indeterminate and present: allowed
                .add(1, "s", "4", 3, 4, Outcome.INFO)     // indeterminate and absent: allowed
                .add(1, "s", "5", 5, 6, Outcome.FAIL)     // failed and absent: as promised
                .readAll(2, "s", List.of("1", "2", "3"), 10, 11);
        SetChecker.Result r = SetChecker.check(h.ops()).get(0);
        assertEquals(Verdict.VALID, r.verdict());
        assertEquals(5, r.attempted());
        assertEquals(2, r.acknowledged());
        assertEquals(1, r.failed());
        assertEquals(2, r.indeterminate());
        assertEquals(List.of("3"), r.indeterminatePresent());
    }

    @Test
    void lostAcknowledgedAddIsReported() {
        Histories h = new Histories()
                .add(0, "s", "1", 0, 1, Outcome.OK)
                .add(0, "s", "2", 2, 3, Outcome.OK)
                .readAll(1, "s", List.of("2"), 10, 11);
        SetChecker.Result r = SetChecker.check(h.ops()).get(0);
        assertEquals(Verdict.INVALID, r.verdict());
        assertEquals(List.of("1"), r.lost());
    }

    @Test
    void failedAddThatAppearedIsReported() {
        Histories h = new Histories()
                .add(0, "s", "1", 0, 1, Outcome.FAIL)
                .readAll(1, "s", List.of("1", "stranger"), 10, 11);
        SetChecker.Result r = SetChecker.check(h.ops()).get(0);
        assertEquals(Verdict.INVALID, r.verdict());
        assertEquals(List.of("1", "stranger"), r.unexpected());
    }

    @Test
    void withoutAFinalReadNothingIsDecided() {
        Histories h = new Histories().add(0, "s", "1", 0, 1, Outcome.OK);
        SetChecker.Result r = SetChecker.check(h.ops()).get(0);
        assertEquals(Verdict.UNKNOWN, r.verdict());
        assertFalse(r.finalRead());
    }
}
