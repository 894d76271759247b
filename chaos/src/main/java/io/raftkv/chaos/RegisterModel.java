package io.raftkv.chaos;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A single register (one key) as a deterministic state machine over small integers, so the checker's
 * states are ints: 0 is "absent", every distinct value of the key's history gets its own number.
 * Operations are compiled once ({@link #compile}) into {@link Step}s the search applies millions of times.
 */
final class RegisterModel {
    static final int ABSENT = 0;
    static final int ILLEGAL = -1;

    /** One operation as the model sees it. {@code known} is false for INFO: any result is acceptable. */
    record Step(Kind kind, int value, int expected, boolean known, boolean succeeded, int observed) {
        enum Kind { READ, WRITE, CAS }

        /** The state after this step from {@code state}, or {@link #ILLEGAL} if the step cannot happen there. */
        int apply(int state) {
            switch (kind) {
                case READ:
                    return state == observed ? state : ILLEGAL;
                case WRITE:
                    return value;
                case CAS:
                    if (!known) {
                        return state == expected ? value : state;
                    }
                    if (succeeded) {
                        return state == expected ? value : ILLEGAL;
                    }
                    // A failed CAS saw the value that failed the compare: it is a read of that value.
                    return state != expected && state == observed ? state : ILLEGAL;
                default:
                    throw new AssertionError(kind);
            }
        }
    }

    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> names = new java.util.ArrayList<>(List.of("nil"));

    /** The model's view of {@code op}; the op must be a register operation that is OK or INFO. */
    Step compile(Op op) {
        Call c = op.call();
        boolean known = op.outcome() == Outcome.OK;
        if (c instanceof Call.Read) {
            if (!known) {
                throw new IllegalArgumentException("a read is never indeterminate (failed reads are dropped): " + op);
            }
            return new Step(Step.Kind.READ, 0, 0, true, false, id(((Reply.Value) op.reply()).value()));
        }
        if (c instanceof Call.Write w) {
            return new Step(Step.Kind.WRITE, id(w.value()), 0, known, true, 0);
        }
        if (c instanceof Call.Cas cas) {
            if (!known) {
                return new Step(Step.Kind.CAS, id(cas.value()), id(cas.expected()), false, false, 0);
            }
            Reply.CasResult r = (Reply.CasResult) op.reply();
            return new Step(Step.Kind.CAS, id(cas.value()), id(cas.expected()), true, r.succeeded(),
                    r.succeeded() ? id(cas.value()) : id(r.observed()));
        }
        throw new IllegalArgumentException("not a register operation: " + op);
    }

    /** The value a state stands for, "nil" for absent. */
    String name(int state) {
        return names.get(state);
    }

    private int id(String value) {
        if (value == null) {
            return ABSENT;
        }
        return ids.computeIfAbsent(value, v -> {
            names.add(v);
            return names.size() - 1;
        });
    }
}
