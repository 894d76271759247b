package io.raftkv.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a set workload: unique elements added under faults, then, after healing, one final read of the
 * whole set. Every acknowledged add must be in it (else it was lost); an element whose add FAILED must not
 * be (a FAIL promised no effect); an element whose add was INFO may be either way, and is reported.
 * Without a successful final read nothing can be decided: UNKNOWN.
 */
final class SetChecker {
    record Result(Verdict verdict, String set, int attempted, int acknowledged, int failed, int indeterminate,
                  boolean finalRead, int finalSize, List<String> lost, List<String> unexpected,
                  List<String> indeterminatePresent) {
    }

    private SetChecker() {
    }

    static List<Result> check(List<Op> history) {
        Map<String, List<Op>> bySet = new HashMap<>();
        for (Op op : history) {
            if (op.call() instanceof Call.Add || op.call() instanceof Call.ReadAll) {
                bySet.computeIfAbsent(op.call().key(), k -> new ArrayList<>()).add(op);
            }
        }
        List<Result> out = new ArrayList<>();
        new TreeSet<>(bySet.keySet()).forEach(set -> out.add(checkOne(set, bySet.get(set))));
        return out;
    }

    private static Result checkOne(String set, List<Op> ops) {
        Map<String, Outcome> adds = new HashMap<>();
        Map<String, Long> completed = new HashMap<>();
        Set<String> finalElements = null;
        long finalInvoke = -1;
        for (Op op : ops) {
            if (op.call() instanceof Call.Add a) {
                if (adds.put(a.element(), op.outcome()) != null) {
                    throw new IllegalArgumentException("element " + a.element() + " added twice: elements must be unique");
                }
                completed.put(a.element(), op.completeNanos());
            } else if (op.outcome() == Outcome.OK && op.invokeNanos() > finalInvoke) {
                // The last successful read is the final one.
                finalInvoke = op.invokeNanos();
                finalElements = ((Reply.Elements) op.reply()).elements();
            }
        }
        int ok = 0;
        int failed = 0;
        int info = 0;
        for (Outcome o : adds.values()) {
            if (o == Outcome.OK) {
                ok++;
            } else if (o == Outcome.FAIL) {
                failed++;
            } else {
                info++;
            }
        }
        if (finalElements == null) {
            return new Result(Verdict.UNKNOWN, set, adds.size(), ok, failed, info, false, 0, List.of(), List.of(), List.of());
        }
        TreeSet<String> lost = new TreeSet<>();
        TreeSet<String> unexpected = new TreeSet<>();
        TreeSet<String> infoPresent = new TreeSet<>();
        for (var e : adds.entrySet()) {
            boolean present = finalElements.contains(e.getKey());
            // An add acknowledged only after the final read began may legitimately be missing from it.
            if (e.getValue() == Outcome.OK && !present && completed.get(e.getKey()) < finalInvoke) {
                lost.add(e.getKey());
            } else if (e.getValue() == Outcome.FAIL && present) {
                unexpected.add(e.getKey());
            } else if (e.getValue() == Outcome.INFO && present) {
                infoPresent.add(e.getKey());
            }
        }
        for (String element : finalElements) {
            if (!adds.containsKey(element)) {
                unexpected.add(element);
            }
        }
        Verdict v = lost.isEmpty() && unexpected.isEmpty() ? Verdict.VALID : Verdict.INVALID;
        return new Result(v, set, adds.size(), ok, failed, info, true, finalElements.size(), List.copyOf(lost),
                List.copyOf(unexpected), List.copyOf(infoPresent));
    }
}
