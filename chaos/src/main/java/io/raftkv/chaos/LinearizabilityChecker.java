package io.raftkv.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Checks a register history for linearizability: the history is split by key (registers are independent,
 * so a history is linearizable iff each key's is), and each key is searched with {@link KeySearch}
 * (Wing and Gong's algorithm with Lowe's just-in-time memoization, as in Porcupine).
 *
 * <p>Only OK and INFO register operations take part: a FAIL promises the operation had no effect, so it
 * is left out. All keys share one time budget; a key not decided within it is UNKNOWN, never guessed.
 */
final class LinearizabilityChecker {
    /** The result for one key. {@code longestPrefix} and {@code involved} are empty unless INVALID. */
    record KeyResult(String key, Verdict verdict, int operations, List<Op> longestPrefix, String stateAfterPrefix,
                     List<Op> involved, long elapsedMillis) {
    }

    /** The result for a whole history: INVALID if any key is, UNKNOWN if any key is undecided. */
    record Result(Verdict verdict, int keys, int operations, List<KeyResult> invalid, List<KeyResult> unknown,
                  long elapsedMillis) {
    }

    private final Duration budget;
    private final int threads;

    LinearizabilityChecker(Duration budget, int threads) {
        this.budget = budget;
        this.threads = Math.max(1, threads);
    }

    /** Checks every register key in {@code history} (set operations are ignored). */
    Result check(List<Op> history) {
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        Map<String, List<Op>> byKey = new LinkedHashMap<>();
        int count = 0;
        for (Op op : history) {
            if (isRegister(op.call()) && op.outcome() != Outcome.FAIL) {
                byKey.computeIfAbsent(op.call().key(), k -> new ArrayList<>()).add(op);
                count++;
            }
        }
        List<KeyResult> results = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "linearizability-checker");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<KeyResult>> futures = new ArrayList<>();
            // Biggest keys first: they take longest, so they should not start last.
            List<Map.Entry<String, List<Op>>> keys = new ArrayList<>(byKey.entrySet());
            keys.sort(Comparator.comparingInt((Map.Entry<String, List<Op>> e) -> e.getValue().size()).reversed());
            for (var e : keys) {
                futures.add(pool.submit(() -> new KeySearch(e.getKey(), e.getValue(), deadline).run()));
            }
            for (Future<KeyResult> f : futures) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("checker failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        Verdict verdict = Verdict.VALID;
        List<KeyResult> invalid = new ArrayList<>();
        List<KeyResult> unknown = new ArrayList<>();
        for (KeyResult r : results) {
            verdict = verdict.and(r.verdict());
            if (r.verdict() == Verdict.INVALID) {
                invalid.add(r);
            } else if (r.verdict() == Verdict.UNKNOWN) {
                unknown.add(r);
            }
        }
        return new Result(verdict, byKey.size(), count, invalid, unknown, (System.nanoTime() - start) / 1_000_000);
    }

    static boolean isRegister(Call c) {
        return c instanceof Call.Read || c instanceof Call.Write || c instanceof Call.Cas;
    }
}
