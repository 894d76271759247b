package io.raftkv.cli;

import io.raftkv.launcher.ServerLauncher;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a command may touch outside its arguments. Tests swap these instead of reaching for globals.
 *
 * @param out      results (stdout): a byte stream, because values are bytes and are printed as they are
 * @param err      diagnostics and errors (stderr)
 * @param in       values read from stdin ({@code put K -})
 * @param env      environment variables (RAFTKV_ENDPOINTS, RAFTKV_SERVER_JAR, RAFTKV_NODE_JAVA_OPTS, RAFTKV_DEBUG)
 * @param cwd      directory that relative paths such as the default {@code .local-cluster} resolve against
 * @param launcher how {@code local} commands start a node process
 */
record CliContext(PrintStream out, PrintStream err, InputStream in, Map<String, String> env, Path cwd,
                  Supplier<ServerLauncher> launcher) {

    static CliContext system() {
        Map<String, String> env = System.getenv();
        return new CliContext(new PrintStream(System.out, false, StandardCharsets.UTF_8),
                new PrintStream(System.err, true, StandardCharsets.UTF_8), System.in, env, Path.of("").toAbsolutePath(),
                () -> {
                    try {
                        return ServerLauncher.fromEnvironment(env);
                    } catch (IllegalStateException e) {
                        throw CliException.failed(e.getMessage());
                    }
                });
    }

    Path resolve(Path p) {
        return cwd.resolve(p).normalize();
    }

    boolean debug() {
        String d = env.get("RAFTKV_DEBUG");
        return d != null && !d.isBlank() && !d.equals("0");
    }
}
