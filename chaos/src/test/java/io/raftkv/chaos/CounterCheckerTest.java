package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Exactly once: acknowledged tokens once, unknown ones at most once, failed ones and strangers never. */
class CounterCheckerTest {
    private static CounterChecker.Result check(Histories h) {
        List<CounterChecker.Result> r = CounterChecker.check(h.ops());
        assertEquals(1, r.size());
        return r.get(0);
    }

    private static Histories appends() {
        return new Histories()
                .append(0, "c", "t1", 0, 10, Outcome.OK)
                .append(1, "c", "t2", 5, 15, Outcome.INFO)
                .append(2, "c", "t3", 6, 16, Outcome.INFO)
                .append(3, "c", "t4", 7, 17, Outcome.FAIL);
    }

    @Test
    void everyAcknowledgedOnceAndUnknownsAtMostOnceIsValid() {
        CounterChecker.Result r = check(appends().readTokens(9, "c", List.of("t2", "t1"), 100, 110));
        assertEquals(Verdict.VALID, r.verdict());
        assertEquals(4, r.attempted());
        assertEquals(1, r.acknowledged());
        assertEquals(2, r.indeterminate());
        assertEquals(1, r.failed());
        assertEquals(1, r.indeterminatePresent());
    }

    @Test
    void anAcknowledgedIncrementAppliedTwiceIsCaught() {
        CounterChecker.Result r = check(appends().readTokens(9, "c", List.of("t1", "t2", "t1"), 100, 110));
        assertEquals(Verdict.INVALID, r.verdict());
        assertEquals(List.of("t1"), r.duplicated());
    }

    @Test
    void anUnknownIncrementMayApplyOnceButNotTwice() {
        CounterChecker.Result r = check(appends().readTokens(9, "c", List.of("t1", "t3", "t3"), 100, 110));
        assertEquals(Verdict.INVALID, r.verdict());
        assertEquals(List.of("t3"), r.duplicated());
    }

    @Test
    void lostFailedAndForeignTokensAreCaught() {
        CounterChecker.Result lost = check(appends().readTokens(9, "c", List.of("t2"), 100, 110));
        assertEquals(List.of("t1"), lost.lost());
        CounterChecker.Result failed = check(appends().readTokens(9, "c", List.of("t1", "t4"), 100, 110));
        assertEquals(List.of("t4"), failed.unexpected(), "a FAIL promised no effect");
        CounterChecker.Result foreign = check(appends().readTokens(9, "c", List.of("t1", "t9"), 100, 110));
        assertEquals(List.of("t9"), foreign.unexpected());
        assertEquals(Verdict.INVALID, foreign.verdict());
    }

    @Test
    void withoutAFinalReadNothingIsDecided() {
        CounterChecker.Result r = check(appends());
        assertEquals(Verdict.UNKNOWN, r.verdict());
    }

    @Test
    void theLastSuccessfulReadIsTheFinalOne() {
        CounterChecker.Result r = check(appends().readTokens(9, "c", List.of(), 20, 30)
                .readTokens(9, "c", List.of("t1"), 100, 110));
        assertEquals(Verdict.VALID, r.verdict());
        assertEquals(1, r.finalTokens());
    }

    @Test
    void tokensMustBeUnique() {
        assertThrows(IllegalArgumentException.class, () -> CounterChecker.check(new Histories()
                .append(0, "c", "t1", 0, 1, Outcome.OK).append(1, "c", "t1", 2, 3, Outcome.OK).ops()));
    }

    @Test
    void theValueEncodingKeepsDuplicates() {
        assertEquals(List.of("t1", "t2", "t1"), CounterWorkload.tokens("t1,t2,t1,"));
        assertEquals(List.of(), CounterWorkload.tokens(""));
    }
}
