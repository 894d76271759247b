package io.raftkv.chaos;

import java.util.Objects;

/**
 * One operation of a history: invoked by {@code process} against {@code node} at {@code invokeNanos}
 * (relative to the run's start, monotonic), completed at {@code completeNanos} with {@code outcome}.
 * For INFO the completion time is when the client gave up; the checker treats it as +infinity.
 *
 * @param id     position in invocation order, unique in a history
 * @param reply  the reply for OK, null otherwise
 * @param error  why it failed or is indeterminate, empty for OK
 */
record Op(int id, int process, int node, Call call, Outcome outcome, Reply reply, long invokeNanos,
          long completeNanos, String error) {
    Op {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(outcome, "outcome");
        if (outcome == Outcome.OK && reply == null) {
            throw new IllegalArgumentException("an ok operation needs a reply: " + call);
        }
        if (completeNanos < invokeNanos) {
            throw new IllegalArgumentException("operation " + id + " completes before it is invoked");
        }
        error = error == null ? "" : error;
    }

    long latencyNanos() {
        return completeNanos - invokeNanos;
    }

    /** Short human form used in reports: {@code p3 write k7 w12 -> ok}. */
    String describe() {
        StringBuilder b = new StringBuilder().append('#').append(id).append(" p").append(process).append(" n").append(node)
                .append(' ').append(call.fn()).append(' ').append(call.key());
        if (call instanceof Call.Write w) {
            b.append(' ').append(w.value());
        } else if (call instanceof Call.Cas c) {
            b.append(' ').append(c.expected()).append("->").append(c.value());
        } else if (call instanceof Call.Add a) {
            b.append(' ').append(a.element());
        } else if (call instanceof Call.Append a) {
            b.append(' ').append(a.token());
        }
        b.append(" -> ").append(outcome.label());
        if (reply instanceof Reply.Value v) {
            b.append(' ').append(v.value() == null ? "nil" : v.value());
        } else if (reply instanceof Reply.CasResult r) {
            b.append(r.succeeded() ? " succeeded" : " failed, saw " + (r.observed() == null ? "nil" : r.observed()));
        } else if (reply instanceof Reply.Elements e) {
            b.append(" ").append(e.elements().size()).append(" elements");
        } else if (reply instanceof Reply.Tokens t) {
            b.append(" ").append(t.tokens().size()).append(" tokens");
        }
        b.append(String.format(java.util.Locale.ROOT, " [%.3f s, %.3f s]", invokeNanos / 1e9,
                outcome == Outcome.INFO ? Double.POSITIVE_INFINITY : completeNanos / 1e9));
        return b.toString();
    }
}
