package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docs/operations.md stays true to the command line: every {@code raftkv} command it shows, in examples and
 * in the production steps, is one the CLI accepts (commands, options, arity). RunbookDrillsIT checks the other
 * half, that the examples are commands the drills ran.
 */
class OperationsDocTest {
    static final Path DOC = Path.of("").toAbsolutePath().getParent().resolve("docs/operations.md");

    /**
     * Every {@code raftkv ...} command line of the runbook's code blocks ({@code $ raftkv ...} in console
     * blocks, {@code raftkv ...} in sh blocks, continuation lines joined), without comments and stdin
     * redirection.
     */
    static List<String> commands(boolean consoleOnly) {
        List<String> lines;
        try {
            lines = Files.readAllLines(DOC, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> out = new ArrayList<>();
        String block = null;
        StringBuilder pending = null;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith("```")) {
                block = block == null ? line.substring(3) : null;
                continue;
            }
            if (block == null) {
                continue;
            }
            if (pending != null) {
                pending.append(' ').append(line);
            } else if (block.equals("console") && line.startsWith("$ raftkv ")) {
                pending = new StringBuilder(line.substring(2));
            } else if (!consoleOnly && block.equals("sh") && line.startsWith("raftkv ")) {
                pending = new StringBuilder(line);
            } else {
                continue;
            }
            if (pending.toString().endsWith("\\")) {
                pending.setLength(pending.length() - 1);
                continue;
            }
            String command = pending.toString();
            pending = null;
            int comment = command.indexOf(" #");
            command = comment < 0 ? command : command.substring(0, comment);
            int redirect = command.indexOf(" < ");
            out.add((redirect < 0 ? command : command.substring(0, redirect)).strip().replaceAll("\\s+", " "));
        }
        return out;
    }

    @Test
    void everyCommandTheRunbookShowsParses() {
        List<String> commands = commands(false);
        assertTrue(commands.size() > 60, "found only " + commands.size() + " commands in " + DOC);
        CliContext ctx = new CliContext(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]),
                Map.of(), Path.of("."), () -> {
                    throw new AssertionError("parsing only");
                });
        List<String> refused = new ArrayList<>();
        for (String c : commands) {
            String[] args = Arrays.copyOfRange(c.split(" "), 1, c.split(" ").length);
            try {
                Main.build(ctx, args).parseArgs(args);
            } catch (CommandLine.ParameterException e) {
                refused.add(c + "  -> " + e.getMessage());
            }
        }
        assertEquals(List.of(), refused, "commands in " + DOC + " the CLI refuses");
    }

    /** The parser above is no rubber stamp. */
    @Test
    void aMistypedCommandIsCaught() {
        CliContext ctx = new CliContext(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]),
                Map.of(), Path.of("."), () -> {
                    throw new AssertionError("parsing only");
                });
        for (String bad : List.of("endpoint health --clusters", "alarm disarm 2", "member promote", "local restart 1 --server-jar")) {
            String[] args = bad.split(" ");
            try {
                Main.build(ctx, args).parseArgs(args);
                throw new AssertionError("accepted: raftkv " + bad);
            } catch (CommandLine.ParameterException expected) {
                // what the test above reports
            }
        }
    }
}
