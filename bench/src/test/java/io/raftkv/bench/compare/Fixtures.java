package io.raftkv.bench.compare;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Test data: fixture files, and results as a run would produce them. */
final class Fixtures {
    private Fixtures() {
    }

    static String read(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/compare/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A result whose numbers are derived from {@code ops} so tests can predict ranges and medians. */
    static Result result(String system, int round, Cell cell, double ops, double p50, Map<String, Long> errors) {
        return new Result(system, round, cell, 10, (long) (ops * 10), ops, p50, p50 * 4, p50 * 8, p50 * 20, errors, 0, 0,
                100_000 / ops, List.of(100L, 120L, 110L), cell.workload() == Cell.Workload.PUT ? 8 : Double.NaN, 0,
                List.of(50_000 / ops, 25_000 / ops, 25_000 / ops));
    }
}
