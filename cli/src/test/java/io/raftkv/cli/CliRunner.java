package io.raftkv.cli;

import java.nio.file.Path;
import java.util.Map;

/** Runs the CLI in-process against real endpoints, for end-to-end tests in other packages. */
public final class CliRunner {
    private CliRunner() {
    }

    /** One invocation: exit code, stdout, stderr. */
    public record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    public static Result run(Path cwd, String... args) {
        FakeCluster.Result r = FakeCluster.run(Map.of(), cwd, args);
        return new Result(r.code(), r.out(), r.err());
    }
}
