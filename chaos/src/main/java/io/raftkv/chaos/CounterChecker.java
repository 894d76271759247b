package io.raftkv.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks the counter workload: unique tokens appended to counter keys under faults, then one final
 * linearizable read of each key after healing. Exactly once means: every acknowledged append appears
 * exactly once (missing: lost; more: duplicated); an append whose outcome was unknown (INFO) appears at most
 * once; a failed append (FAIL, promised not applied) and a token nobody appended never appear. Without a
 * successful final read nothing can be decided: UNKNOWN.
 */
final class CounterChecker {
    /** The findings for one counter key. */
    record Result(Verdict verdict, String key, int attempted, int acknowledged, int failed, int indeterminate,
                  boolean finalRead, int finalTokens, List<String> lost, List<String> duplicated, List<String> unexpected,
                  int indeterminatePresent) {
    }

    private CounterChecker() {
    }

    static List<Result> check(List<Op> history) {
        Map<String, List<Op>> byKey = new TreeMap<>();
        for (Op op : history) {
            if (op.call() instanceof Call.Append || op.call() instanceof Call.ReadTokens) {
                byKey.computeIfAbsent(op.call().key(), k -> new ArrayList<>()).add(op);
            }
        }
        List<Result> out = new ArrayList<>();
        byKey.forEach((key, ops) -> out.add(checkOne(key, ops)));
        return out;
    }

    private static Result checkOne(String key, List<Op> ops) {
        Map<String, Op> appends = new HashMap<>();
        Op finalRead = null;
        for (Op op : ops) {
            if (op.call() instanceof Call.Append a) {
                if (appends.put(a.token(), op) != null) {
                    throw new IllegalArgumentException("token " + a.token() + " appended twice: tokens must be unique");
                }
            } else if (op.outcome() == Outcome.OK && (finalRead == null || op.invokeNanos() > finalRead.invokeNanos())) {
                finalRead = op;
            }
        }
        int[] byOutcome = new int[Outcome.values().length];
        appends.values().forEach(op -> byOutcome[op.outcome().ordinal()]++);
        int ok = byOutcome[Outcome.OK.ordinal()];
        int failed = byOutcome[Outcome.FAIL.ordinal()];
        int info = byOutcome[Outcome.INFO.ordinal()];
        if (finalRead == null) {
            return new Result(Verdict.UNKNOWN, key, appends.size(), ok, failed, info, false, 0, List.of(), List.of(), List.of(), 0);
        }
        List<String> tokens = ((Reply.Tokens) finalRead.reply()).tokens();
        Map<String, Integer> seen = new HashMap<>();
        tokens.forEach(t -> seen.merge(t, 1, Integer::sum));
        TreeSet<String> lost = new TreeSet<>();
        TreeSet<String> duplicated = new TreeSet<>();
        TreeSet<String> unexpected = new TreeSet<>();
        int infoPresent = 0;
        for (Op op : appends.values()) {
            String token = ((Call.Append) op.call()).token();
            int n = seen.getOrDefault(token, 0);
            // An append acknowledged only after the final read began may legitimately be missing from it.
            if (op.outcome() == Outcome.OK && n == 0 && op.completeNanos() < finalRead.invokeNanos()) {
                lost.add(token);
            } else if (op.outcome() == Outcome.FAIL && n > 0) {
                unexpected.add(token);
            } else if (n > 1) {
                duplicated.add(token);
            } else if (op.outcome() == Outcome.INFO && n == 1) {
                infoPresent++;
            }
        }
        seen.keySet().stream().filter(t -> !appends.containsKey(t)).forEach(unexpected::add);
        Verdict v = lost.isEmpty() && duplicated.isEmpty() && unexpected.isEmpty() ? Verdict.VALID : Verdict.INVALID;
        return new Result(v, key, appends.size(), ok, failed, info, true, tokens.size(), List.copyOf(lost),
                List.copyOf(duplicated), List.copyOf(unexpected), infoPresent);
    }
}
