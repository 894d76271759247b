package io.raftkv.chaos;

import java.util.ArrayList;
import java.util.List;

/** Hand-written histories for checker tests: times in milliseconds, INFO completions at the given time. */
final class Histories {
    private final List<Op> ops = new ArrayList<>();

    Histories write(int process, String key, String value, long invokeMs, long completeMs, Outcome outcome) {
        return add(process, new Call.Write(key, value), outcome, outcome == Outcome.OK ? Reply.DONE : null, invokeMs, completeMs);
    }

    Histories read(int process, String key, String value, long invokeMs, long completeMs) {
        return add(process, new Call.Read(key), Outcome.OK, new Reply.Value(value), invokeMs, completeMs);
    }

    Histories failedRead(int process, String key, long invokeMs, long completeMs) {
        return add(process, new Call.Read(key), Outcome.FAIL, null, invokeMs, completeMs);
    }

    Histories cas(int process, String key, String expected, String value, boolean succeeded, String observed,
                  long invokeMs, long completeMs) {
        return add(process, new Call.Cas(key, expected, value), Outcome.OK, new Reply.CasResult(succeeded, observed),
                invokeMs, completeMs);
    }

    Histories casInfo(int process, String key, String expected, String value, long invokeMs, long completeMs) {
        return add(process, new Call.Cas(key, expected, value), Outcome.INFO, null, invokeMs, completeMs);
    }

    Histories add(int process, String set, String element, long invokeMs, long completeMs, Outcome outcome) {
        return add(process, new Call.Add(set, element), outcome, outcome == Outcome.OK ? Reply.DONE : null, invokeMs, completeMs);
    }

    Histories readAll(int process, String set, List<String> elements, long invokeMs, long completeMs) {
        return add(process, new Call.ReadAll(set), Outcome.OK, new Reply.Elements(java.util.Set.copyOf(elements)), invokeMs,
                completeMs);
    }

    Histories append(int process, String key, String token, long invokeMs, long completeMs, Outcome outcome) {
        return add(process, new Call.Append(key, token), outcome, outcome == Outcome.OK ? Reply.DONE : null, invokeMs,
                completeMs);
    }

    Histories readTokens(int process, String key, List<String> tokens, long invokeMs, long completeMs) {
        return add(process, new Call.ReadTokens(key), Outcome.OK, new Reply.Tokens(tokens), invokeMs, completeMs);
    }

    Histories add(int process, Call call, Outcome outcome, Reply reply, long invokeMs, long completeMs) {
        ops.add(new Op(ops.size(), process, 1, call, outcome, reply, invokeMs * 1_000_000, completeMs * 1_000_000,
                outcome == Outcome.OK ? "" : "test"));
        return this;
    }

    List<Op> ops() {
        return List.copyOf(ops);
    }
}
