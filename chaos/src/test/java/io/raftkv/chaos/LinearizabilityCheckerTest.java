package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {
    private static LinearizabilityChecker.Result check(Histories h) {
        return new LinearizabilityChecker(Duration.ofSeconds(10), 2).check(h.ops());
    }

    @Test
    void sequentialHistoryIsLinearizable() {
        Histories h = new Histories()
                .read(0, "k", null, 0, 1)
                .write(0, "k", "a", 2, 3, Outcome.OK)
                .read(1, "k", "a", 4, 5)
                .cas(1, "k", "a", "b", true, null, 6, 7)
                .cas(0, "k", "a", "c", false, "b", 8, 9)
                .read(0, "k", "b", 10, 11);
        LinearizabilityChecker.Result r = check(h);
        assertEquals(Verdict.VALID, r.verdict());
        assertEquals(1, r.keys());
        assertEquals(6, r.operations());
    }

    @Test
    void concurrentOperationsMayTakeEffectInEitherOrder() {
        // Two overlapping writes: the reads show a took effect first, then b, although b was invoked later
        // and acknowledged earlier; every later read must then agree on b.
        Histories h = new Histories()
                .write(0, "k", "a", 0, 10, Outcome.OK)
                .write(1, "k", "b", 1, 9, Outcome.OK)
                .read(2, "k", "a", 2, 3)
                .read(2, "k", "b", 4, 5)
                .read(3, "k", "b", 11, 12);
        assertEquals(Verdict.VALID, check(h).verdict());
    }

    @Test
    void staleReadIsCaught() {
        Histories h = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.OK)
                .write(0, "k", "b", 2, 3, Outcome.OK)
                .read(1, "k", "a", 4, 5);  // starts after b was acknowledged: must see b
        LinearizabilityChecker.Result r = check(h);
        assertEquals(Verdict.INVALID, r.verdict());
        LinearizabilityChecker.KeyResult k = r.invalid().get(0);
        assertEquals("k", k.key());
        // The longest linearizable prefix is both writes; the stale read is what cannot follow.
        assertEquals(List.of(0, 1), k.longestPrefix().stream().map(Op::id).toList());
        assertEquals("b", k.stateAfterPrefix());
        assertTrue(k.involved().stream().anyMatch(op -> op.id() == 2), k.involved().toString());
    }

    @Test
    void lostWriteIsCaught() {
        Histories h = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.OK)
                .read(1, "k", null, 2, 3);  // the acknowledged write vanished
        assertEquals(Verdict.INVALID, check(h).verdict());
    }

    @Test
    void readOfAValueNeverWrittenIsCaught() {
        Histories h = new Histories().read(0, "k", "ghost", 0, 1);
        assertEquals(Verdict.INVALID, check(h).verdict());
    }

    @Test
    void casAnomaliesAreCaught() {
        // Both CASes from a succeed: only one can.
        Histories doubleWin = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.OK)
                .cas(1, "k", "a", "b", true, null, 2, 5)
                .cas(2, "k", "a", "c", true, null, 3, 6);
        assertEquals(Verdict.INVALID, check(doubleWin).verdict());

        // A CAS fails although the value matched, and reports it saw that very value.
        Histories falseFailure = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.OK)
                .cas(1, "k", "a", "b", false, "a", 2, 3);
        assertEquals(Verdict.INVALID, check(falseFailure).verdict());

        // A CAS succeeds against a value that had been overwritten before it started.
        Histories staleCas = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.OK)
                .write(0, "k", "b", 2, 3, Outcome.OK)
                .cas(1, "k", "a", "c", true, null, 4, 5);
        assertEquals(Verdict.INVALID, check(staleCas).verdict());
    }

    @Test
    void failedWritesNeverTakeEffect() {
        // A FAIL promises no effect: reading its value is a violation, although the same history with INFO is fine.
        Histories failed = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.FAIL)
                .read(1, "k", "a", 2, 3);
        assertEquals(Verdict.INVALID, check(failed).verdict());
        Histories info = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.INFO)
                .read(1, "k", "a", 2, 3);
        assertEquals(Verdict.VALID, check(info).verdict());
    }

    @Test
    void infoOperationsMayTakeEffectLateOrNever() {
        // The INFO write may take effect long after its client gave up (here after the read of nil) ...
        Histories late = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.OK)
                .write(1, "k", "b", 2, 3, Outcome.INFO)
                .read(2, "k", "a", 10, 11)
                .read(2, "k", "b", 20, 21)
                .read(3, "k", "b", 30, 31);
        assertEquals(Verdict.VALID, check(late).verdict());
        // ... or never.
        Histories never = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.OK)
                .write(1, "k", "b", 2, 3, Outcome.INFO)
                .read(2, "k", "a", 10, 11)
                .read(2, "k", "a", 20, 21);
        assertEquals(Verdict.VALID, check(never).verdict());
        // But not before it was invoked,
        Histories early = new Histories()
                .read(2, "k", "b", 0, 1)
                .write(1, "k", "b", 2, 3, Outcome.INFO);
        assertEquals(Verdict.INVALID, check(early).verdict());
        // and once observed it cannot be undone.
        Histories flicker = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.OK)
                .write(1, "k", "b", 2, 3, Outcome.INFO)
                .read(2, "k", "b", 10, 11)
                .read(2, "k", "a", 20, 21);
        assertEquals(Verdict.INVALID, check(flicker).verdict());
    }

    @Test
    void indeterminateCasIsAppliedOnlyIfItCouldSucceed() {
        Histories h = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.OK)
                .casInfo(1, "k", "a", "b", 2, 3)
                .read(2, "k", "b", 10, 11);
        assertEquals(Verdict.VALID, check(h).verdict());
        Histories wrongExpectation = new Histories()
                .write(0, "k", "x", 0, 1, Outcome.OK)
                .casInfo(1, "k", "a", "b", 2, 3)
                .read(2, "k", "b", 10, 11);
        assertEquals(Verdict.INVALID, check(wrongExpectation).verdict());
    }

    @Test
    void failedReadsAreIgnored() {
        Histories h = new Histories()
                .write(0, "k", "a", 0, 1, Outcome.OK)
                .failedRead(1, "k", 2, 3)
                .read(1, "k", "a", 4, 5);
        LinearizabilityChecker.Result r = check(h);
        assertEquals(Verdict.VALID, r.verdict());
        assertEquals(2, r.operations());
    }

    @Test
    void keysAreCheckedIndependently() {
        Histories h = new Histories()
                .write(0, "x", "a", 0, 1, Outcome.OK)
                .write(0, "y", "b", 2, 3, Outcome.OK)
                .read(1, "x", "a", 4, 5)
                .read(1, "y", null, 6, 7);   // y lost its write
        LinearizabilityChecker.Result r = check(h);
        assertEquals(Verdict.INVALID, r.verdict());
        assertEquals(2, r.keys());
        assertEquals(List.of("y"), r.invalid().stream().map(LinearizabilityChecker.KeyResult::key).toList());
    }

    @Test
    void largeConcurrentHistoryOfAnAtomicRegisterIsLinearizable() {
        assertEquals(Verdict.VALID, new LinearizabilityChecker(Duration.ofSeconds(20), 2)
                .check(simulatedRegister(new Random(7), 2_000, 8, 0.05)).verdict());
    }

    @Test
    void exhaustedBudgetReportsUnknownNotAVerdict() {
        // Many overlapping indeterminate writes and no budget: the checker must admit it could not decide.
        List<Op> ops = simulatedRegister(new Random(11), 3_000, 16, 0.3);
        LinearizabilityChecker.Result r = new LinearizabilityChecker(Duration.ZERO, 1).check(ops);
        assertEquals(Verdict.UNKNOWN, r.verdict());
        assertFalse(r.unknown().isEmpty());
        assertTrue(r.invalid().isEmpty());
    }

    /**
     * A history of a real atomic register under concurrency: each operation takes effect at one instant
     * inside its interval, so the history is linearizable by construction; some writes end INFO, and some
     * of those never take effect.
     */
    static List<Op> simulatedRegister(Random rnd, int count, int clients, double infoRate) {
        record Planned(int client, long invoke, long effect, long complete, int kind) {
        }
        List<Planned> planned = new ArrayList<>();
        long[] clock = new long[clients];
        for (int i = 0; i < count; i++) {
            int c = rnd.nextInt(clients);
            long invoke = clock[c] + rnd.nextInt(5);
            long effect = invoke + 1 + rnd.nextInt(20);
            long complete = effect + 1 + rnd.nextInt(20);
            clock[c] = complete;
            planned.add(new Planned(c, invoke, effect, complete, rnd.nextInt(3)));
        }
        planned.sort(java.util.Comparator.comparingLong(Planned::effect));
        String value = null;
        List<Op> ops = new ArrayList<>();
        int n = 0;
        for (Planned p : planned) {
            int id = n++;
            String key = "k";
            if (p.kind() == 0) {
                ops.add(new Op(id, p.client(), 1, new Call.Read(key), Outcome.OK, new Reply.Value(value), p.invoke(),
                        p.complete(), ""));
            } else if (p.kind() == 1) {
                boolean info = rnd.nextDouble() < infoRate;
                boolean applied = !info || rnd.nextBoolean();
                String v = "v" + id;
                if (applied) {
                    value = v;
                }
                ops.add(new Op(id, p.client(), 1, new Call.Write(key, v), info ? Outcome.INFO : Outcome.OK,
                        info ? null : Reply.DONE, p.invoke(), p.complete(), ""));
            } else {
                String expected = rnd.nextBoolean() && value != null ? value : "v" + rnd.nextInt(Math.max(1, id));
                String v = "v" + id;
                boolean ok = expected.equals(value);
                Reply.CasResult r = new Reply.CasResult(ok, ok ? null : value);
                if (ok) {
                    value = v;
                }
                ops.add(new Op(id, p.client(), 1, new Call.Cas(key, expected, v), Outcome.OK, r, p.invoke(), p.complete(), ""));
            }
        }
        // Ids in invocation order, as History produces them.
        ops.sort(java.util.Comparator.comparingLong(Op::invokeNanos));
        List<Op> renumbered = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Op o = ops.get(i);
            renumbered.add(new Op(i, o.process(), o.node(), o.call(), o.outcome(), o.reply(), o.invokeNanos(), o.completeNanos(),
                    o.error()));
        }
        return renumbered;
    }
}
