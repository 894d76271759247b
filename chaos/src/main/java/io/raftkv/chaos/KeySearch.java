package io.raftkv.chaos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The linearizability search for one register: Wing and Gong's backtracking over a list of call and
 * return events, with Lowe's just-in-time memoization: a (set of linearized operations, register state)
 * pair already explored is never explored again, which turns the exponential search into one bounded
 * by the number of distinct such pairs. This is the algorithm of Porcupine's checkSingle.
 *
 * <p>INFO operations return at +infinity: they may be linearized anywhere after their invocation, and
 * linearizing one after every other operation is the same as it never happening.
 */
final class KeySearch {
    /** How often (in search steps) the deadline is read: often enough to stop within milliseconds. */
    private static final int DEADLINE_CHECK_EVERY = 1 << 12;

    /** An event in the doubly linked list the search lifts operations out of. */
    private static final class Entry {
        final int op;
        final boolean call;
        final long time;
        Entry match;
        Entry prev;
        Entry next;

        Entry(int op, boolean call, long time) {
            this.op = op;
            this.call = call;
            this.time = time;
        }
    }

    /** A memoized configuration: which operations are linearized, and the register's state after them. */
    private record Config(long[] bits, int state, int hash) {
        static Config of(long[] bits, int state) {
            return new Config(bits, state, 31 * Arrays.hashCode(bits) + state);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && c.hash == hash && c.state == state && Arrays.equals(c.bits, bits);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private record Frame(Entry entry, int stateBefore) {
    }

    private final String key;
    private final List<Op> ops;
    private final long deadlineNanos;
    private final RegisterModel model = new RegisterModel();
    private final RegisterModel.Step[] steps;
    private final Entry head = new Entry(-1, false, Long.MIN_VALUE);

    KeySearch(String key, List<Op> ops, long deadlineNanos) {
        this.key = key;
        this.ops = List.copyOf(ops);
        this.deadlineNanos = deadlineNanos;
        this.steps = new RegisterModel.Step[this.ops.size()];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = model.compile(this.ops.get(i));
        }
        buildList();
    }

    private void buildList() {
        List<Entry> events = new ArrayList<>(2 * ops.size());
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            Entry call = new Entry(i, true, op.invokeNanos());
            Entry ret = new Entry(i, false, op.outcome() == Outcome.INFO ? Long.MAX_VALUE : op.completeNanos());
            call.match = ret;
            events.add(call);
            events.add(ret);
        }
        // On equal times calls come first: the operations are then concurrent, the permissive reading of a
        // tie (the clock cannot order them).
        events.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> e.call ? 0 : 1));
        Entry prev = head;
        for (Entry e : events) {
            prev.next = e;
            e.prev = prev;
            prev = e;
        }
    }

    LinearizabilityChecker.KeyResult run() {
        long start = System.nanoTime();
        int n = ops.size();
        long[] linearized = new long[(n + 63) / 64];
        Set<Config> seen = new HashSet<>();
        Deque<Frame> stack = new ArrayDeque<>();
        int state = RegisterModel.ABSENT;
        int best = -1;
        List<Integer> bestPrefix = List.of();
        int bestState = state;
        List<Integer> bestInvolved = List.of();
        long iterations = 0;
        int remainingKnown = 0;
        for (Op op : ops) {
            remainingKnown += op.outcome() == Outcome.OK ? 1 : 0;
        }
        Entry entry = head.next;
        // Once only INFO operations are left, placing them all last (none took effect) always works.
        while (remainingKnown > 0) {
            if (++iterations % DEADLINE_CHECK_EVERY == 0 && System.nanoTime() - deadlineNanos > 0) {
                return result(Verdict.UNKNOWN, List.of(), "", List.of(), start);
            }
            if (stack.size() > best) {
                best = stack.size();
                bestPrefix = new ArrayList<>(stack.size());
                for (var it = stack.descendingIterator(); it.hasNext(); ) {
                    bestPrefix.add(it.next().entry().op);
                }
                bestState = state;
                bestInvolved = frontier();
            }
            if (entry.call) {
                int next = steps[entry.op].apply(state);
                if (next != RegisterModel.ILLEGAL) {
                    long[] bits = linearized.clone();
                    bits[entry.op >> 6] |= 1L << entry.op;
                    if (seen.add(Config.of(bits, next))) {
                        stack.push(new Frame(entry, state));
                        state = next;
                        linearized = bits;
                        remainingKnown -= known(entry.op);
                        lift(entry);
                        entry = head.next;
                        continue;
                    }
                }
                entry = entry.next;
            } else {
                // The earliest remaining return: its operation must be linearized before anything that
                // starts after it, and nothing left can go first. Undo the last choice and try the next.
                if (stack.isEmpty()) {
                    return result(Verdict.INVALID, bestPrefix, model.name(bestState), bestInvolved, start);
                }
                Frame f = stack.pop();
                state = f.stateBefore();
                linearized = linearized.clone();
                linearized[f.entry().op >> 6] &= ~(1L << f.entry().op);
                unlift(f.entry());
                remainingKnown += known(f.entry().op);
                entry = f.entry().next;
            }
        }
        return result(Verdict.VALID, List.of(), "", List.of(), start);
    }

    private int known(int op) {
        return ops.get(op).outcome() == Outcome.OK ? 1 : 0;
    }

    /**
     * The operations that could come next at the current point: every remaining call before the first
     * remaining return. When the search fails, these at its deepest point are the ones in conflict.
     */
    private List<Integer> frontier() {
        List<Integer> out = new ArrayList<>();
        for (Entry e = head.next; e != null && e.call; e = e.next) {
            out.add(e.op);
        }
        for (Entry e = head.next; e != null; e = e.next) {
            if (!e.call) {
                out.add(e.op);
                break;
            }
        }
        return out;
    }

    private LinearizabilityChecker.KeyResult result(Verdict v, List<Integer> prefix, String stateAfter, List<Integer> involved,
                                                   long start) {
        return new LinearizabilityChecker.KeyResult(key, v, ops.size(), prefix.stream().map(ops::get).toList(), stateAfter,
                involved.stream().distinct().map(ops::get).toList(), (System.nanoTime() - start) / 1_000_000);
    }

    /** Removes a call and its return from the list (the operation is linearized). */
    private static void lift(Entry call) {
        call.prev.next = call.next;
        if (call.next != null) {
            call.next.prev = call.prev;
        }
        Entry ret = call.match;
        ret.prev.next = ret.next;
        if (ret.next != null) {
            ret.next.prev = ret.prev;
        }
    }

    /** Puts them back, in the reverse order of {@link #lift}, which restores the exact previous links. */
    private static void unlift(Entry call) {
        Entry ret = call.match;
        ret.prev.next = ret;
        if (ret.next != null) {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        if (call.next != null) {
            call.next.prev = call;
        }
    }
}
