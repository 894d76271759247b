package io.raftkv.server.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

/** Runs the server jar's commands (server, backup status|restore) in-process, for tests in other packages and modules. */
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
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliContext ctx = new CliContext(new PrintWriter(out, true), new PrintWriter(err, true), Map.of(), cwd);
        int code = Main.run(args, ctx);
        return new Result(code, out.toString(), err.toString());
    }
}
