package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/raftkv} run as a user runs it, for the failsafe ITs: a fresh process per command, the packaged
 * jars (after {@code package}), output captured in files under {@code scratch}.
 */
final class BinRaftkv {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final long LIMIT_SECONDS = 90;

    private final Path scratch;
    /** Where every command and its output is appended (null: nowhere): the drills' real output, for the runbook. */
    private final Path transcript;

    BinRaftkv(Path scratch) {
        this(scratch, null);
    }

    BinRaftkv(Path scratch, Path transcript) {
        this.scratch = scratch;
        this.transcript = transcript;
    }

    /** One command's outcome; out and err trimmed. */
    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    Run run(String... args) {
        return run(Map.of(), null, args);
    }

    /** With extra environment variables and, if {@code stdin} is not null, that file as standard input. */
    Run run(Map<String, String> env, Path stdin, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("bin/raftkv").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().remove("RAFTKV_ENDPOINTS");
        pb.environment().remove("RAFTKV_CLI_JAVA_OPTS");
        pb.environment().putAll(env);
        try {
            Path out = Files.createTempFile(scratch, "out", ".txt");
            Path err = Files.createTempFile(scratch, "err", ".txt");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            if (stdin != null) {
                pb.redirectInput(stdin.toFile());
            }
            long t0 = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("raftkv " + String.join(" ", args) + " did not finish within " + LIMIT_SECONDS + " s");
            }
            Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).trim(),
                    Files.readString(err, StandardCharsets.UTF_8).trim());
            record(args, stdin, r, System.nanoTime() - t0);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running raftkv " + String.join(" ", args), e);
        }
    }

    private void record(String[] args, Path stdin, Run r, long nanos) throws IOException {
        if (transcript == null) {
            return;
        }
        StringBuilder b = new StringBuilder("$ raftkv ").append(String.join(" ", args));
        b.append(stdin == null ? "" : " < " + stdin.getFileName()).append(r.exit() == 0 ? "" : "        # exit " + r.exit())
                .append(String.format(java.util.Locale.ROOT, "        [%.1f s]%n", nanos / 1e9));
        b.append(r.out().isEmpty() ? "" : r.out() + "\n").append(r.err().isEmpty() ? "" : r.err() + "\n");
        Files.createDirectories(transcript.getParent());
        Files.writeString(transcript, b.toString(), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /** Adds a command the drill ran without bin/raftkv (curl, rm) and its output to the transcript. */
    void shell(String command, String output) {
        append("$ " + command + "\n" + (output.isEmpty() ? "" : output + "\n"));
    }

    /** Adds a note to the transcript (what the drill checked without a command). */
    void note(String text) {
        append("# " + text + "\n");
    }

    private void append(String text) {
        if (transcript == null) {
            return;
        }
        try {
            Files.createDirectories(transcript.getParent());
            Files.writeString(transcript, text, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Copies the nodes' logs of the local cluster in {@code clusterDir} to {@code cli/target/it-logs/NAME/}: the
     * temporary directory goes with the test, and a node that died needs its log read afterwards.
     */
    static void keepLogs(Path clusterDir, String name) {
        Path to = ROOT.resolve("cli/target/it-logs").resolve(name);
        try (java.util.stream.Stream<Path> nodes = Files.isDirectory(clusterDir) ? Files.list(clusterDir) : java.util.stream.Stream.empty()) {
            for (Path n : nodes.filter(p -> p.getFileName().toString().matches("n\\d+")).toList()) {
                Path log = n.resolve("server.log");
                if (Files.isRegularFile(log)) {
                    Files.createDirectories(to);
                    Files.copy(log, to.resolve(n.getFileName() + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command that must succeed. */
    Run ok(String... args) {
        Run r = run(args);
        assertEquals(0, r.exit(), "raftkv " + String.join(" ", args) + " failed:\n" + r);
        return r;
    }

    /** Runs a command that must exit with {@code code}. */
    Run exits(int code, String... args) {
        Run r = run(args);
        assertEquals(code, r.exit(), "raftkv " + String.join(" ", args) + ":\n" + r);
        return r;
    }
}
