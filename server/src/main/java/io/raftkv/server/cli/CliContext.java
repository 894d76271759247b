package io.raftkv.server.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a command may touch outside its arguments: output streams, environment and working directory. Tests
 * swap these instead of reaching for globals.
 *
 * @param out results (stdout)
 * @param err diagnostics and errors (stderr)
 * @param env environment variables (RAFTKV_DEBUG)
 * @param cwd directory that relative paths resolve against
 */
record CliContext(PrintWriter out, PrintWriter err, Map<String, String> env, Path cwd) {

    static CliContext system() {
        return new CliContext(new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.getenv(),
                Path.of("").toAbsolutePath());
    }

    Path resolve(Path p) {
        return cwd.resolve(p).normalize();
    }

    boolean debug() {
        String d = env.get("RAFTKV_DEBUG");
        return d != null && !d.isBlank() && !d.equals("0");
    }
}
