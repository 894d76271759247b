package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The search against the definition: on thousands of small random histories (valid and not, with INFO
 * operations), the Wing–Gong/Lowe checker must agree with a brute force over every order that respects
 * real time, where an INFO operation may also never happen.
 */
class CheckerCrossCheckTest {
    @Test
    void agreesWithBruteForceOnRandomSmallHistories() {
        Random rnd = new Random(20261123);
        int invalid = 0;
        for (int round = 0; round < 3_000; round++) {
            List<Op> ops = randomHistory(rnd, 1 + rnd.nextInt(6));
            boolean expected = bruteForce(ops);
            Verdict got = new LinearizabilityChecker(Duration.ofSeconds(10), 1).check(ops).verdict();
            assertEquals(expected ? Verdict.VALID : Verdict.INVALID, got, () -> "history:\n" + String.join("\n",
                    ops.stream().map(Op::describe).toList()));
            invalid += expected ? 0 : 1;
        }
        // Both kinds were exercised, not just one.
        assertTrue(invalid > 300 && invalid < 2_700, "invalid histories: " + invalid);
    }

    private static List<Op> randomHistory(Random rnd, int n) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long start = rnd.nextInt(20);
            long end = start + 1 + rnd.nextInt(10);
            int kind = rnd.nextInt(3);
            Op op;
            if (kind == 0) {
                // Reads of values that some write in the history may have written (or nil).
                String seen = rnd.nextInt(4) == 0 ? null : pickWritten(rnd, n);
                op = new Op(i, i, 1, new Call.Read("k"), Outcome.OK, new Reply.Value(seen), start, end, "");
            } else if (kind == 1) {
                boolean info = rnd.nextInt(4) == 0;
                op = new Op(i, i, 1, new Call.Write("k", "w" + i), info ? Outcome.INFO : Outcome.OK, info ? null : Reply.DONE,
                        start, end, "");
            } else {
                String expected = pickWritten(rnd, n);
                int r = rnd.nextInt(4);
                Outcome o = r == 0 ? Outcome.INFO : Outcome.OK;
                Reply reply = o == Outcome.INFO ? null : r == 1 ? new Reply.CasResult(true, null)
                        : new Reply.CasResult(false, rnd.nextInt(3) == 0 ? null : pickWritten(rnd, n));
                op = new Op(i, i, 1, new Call.Cas("k", expected, "w" + i), o, reply, start, end, "");
            }
            ops.add(op);
        }
        return ops;
    }

    /** A value some operation of a history of n may write: every write and CAS writes "w" + its id. */
    private static String pickWritten(Random rnd, int n) {
        return "w" + rnd.nextInt(n);
    }

    /** Tries every order of a subset of operations: all OK ones, any subset of INFO ones. */
    static boolean bruteForce(List<Op> ops) {
        return search(ops, new boolean[ops.size()], null, countOk(ops));
    }

    private static int countOk(List<Op> ops) {
        int n = 0;
        for (Op op : ops) {
            n += op.outcome() == Outcome.OK ? 1 : 0;
        }
        return n;
    }

    private static boolean search(List<Op> ops, boolean[] done, String state, int okLeft) {
        if (okLeft == 0) {
            return true;   // the remaining INFO operations never happened
        }
        for (int i = 0; i < ops.size(); i++) {
            if (done[i] || !minimal(ops, done, i)) {
                continue;
            }
            Op op = ops.get(i);
            String next = step(op, state);
            if (next == null) {
                continue;
            }
            done[i] = true;
            boolean ok = search(ops, done, next.equals("\u0000") ? null : next, okLeft - (op.outcome() == Outcome.OK ? 1 : 0));
            done[i] = false;
            if (ok) {
                return true;
            }
        }
        return false;
    }

    /**
     * Op i may go next if no other pending operation had completed before i was invoked (INFO operations
     * never complete, so they never force an order).
     */
    private static boolean minimal(List<Op> ops, boolean[] done, int i) {
        for (int j = 0; j < ops.size(); j++) {
            Op o = ops.get(j);
            if (j != i && !done[j] && o.outcome() == Outcome.OK && o.completeNanos() < ops.get(i).invokeNanos()) {
                return false;
            }
        }
        return true;
    }

    /** The state after op ("\0" for absent), or null if op cannot happen in state. */
    private static String step(Op op, String state) {
        String absent = "\u0000";
        Call c = op.call();
        if (c instanceof Call.Read) {
            String seen = ((Reply.Value) op.reply()).value();
            return java.util.Objects.equals(seen, state) ? (state == null ? absent : state) : null;
        }
        if (c instanceof Call.Write w) {
            return w.value();
        }
        Call.Cas cas = (Call.Cas) c;
        boolean matches = cas.expected().equals(state);
        if (op.outcome() == Outcome.INFO) {
            return matches ? cas.value() : (state == null ? absent : state);
        }
        Reply.CasResult r = (Reply.CasResult) op.reply();
        if (r.succeeded()) {
            return matches ? cas.value() : null;
        }
        return !matches && java.util.Objects.equals(r.observed(), state) ? (state == null ? absent : state) : null;
    }
}
