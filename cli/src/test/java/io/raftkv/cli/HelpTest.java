package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** What --help shows, for every command. */
class HelpTest {
    @TempDir
    Path cwd;

    private FakeCluster.Result cli(String... args) {
        return FakeCluster.run(Map.of(), cwd, args);
    }

    private static List<CommandLine> all(CommandLine cl) {
        List<CommandLine> out = new ArrayList<>(List.of(cl));
        cl.getSubcommands().values().forEach(s -> out.addAll(all(s)));
        return out;
    }

    /** Issue 14: 'chaos' was missing from --help; the exit codes are documented there. */
    @Test
    void rootHelpListsEveryCommandAndTheExitCodes() {
        FakeCluster.Result r = cli("--help");
        assertEquals(0, r.code());
        for (String c : List.of("put", "get", "del", "cas", "scan", "txn", "status", "members", "member", "transfer", "endpoint",
                "alarm", "check", "version", "backup", "auth", "user", "role", "local", "server", "chaos")) {
            assertTrue(r.out().contains("\n  " + c + " ") || r.out().contains("\n  " + c + "\n"), c + " in " + r.out());
        }
        assertTrue(r.out().contains("3   the answer is no: key not found"), r.out());
        assertTrue(r.out().contains("2   bad input or usage"), r.out());
    }

    /** Issue 14: positional arguments had no descriptions. */
    @Test
    void everyPositionalAndEveryOptionIsDescribed() {
        CommandLine root = Main.build(new CliContext(System.out, System.err, System.in, Map.of(), cwd, () -> null));
        for (CommandLine c : all(root)) {
            CommandSpec spec = c.getCommandSpec();
            spec.positionalParameters().forEach(p -> assertTrue(p.description().length > 0 && !p.description()[0].isBlank(),
                    spec.qualifiedName() + " " + p.paramLabel() + " has no description"));
            spec.options().forEach(o -> assertTrue(o.description().length > 0, spec.qualifiedName() + " " + o.longestName()));
            assertTrue(spec.usageMessage().description().length > 0, spec.qualifiedName() + " has no description");
        }
    }

    /** Issue 14: 'backup --help' failed pointing at itself; 'member --help' printed a format warning. */
    @Test
    void groupsHaveHelpAndNoFormatWarnings() {
        for (String group : List.of("backup", "member", "local", "endpoint", "alarm", "check", "auth", "user", "role")) {
            FakeCluster.Result r = cli(group, "--help");
            assertEquals(0, r.code(), group + ": " + r);
            assertEquals("", r.err(), group);
            assertFalse(r.out().toLowerCase().contains("warn"), r.out());
        }
        FakeCluster.Result promote = cli("member", "promote", "--help");
        assertTrue(promote.out().contains("90 percent"), promote.out());
        assertEquals("", promote.err());
    }

    /** Issue 14: 'chaos --help' started a Maven build of the harness. */
    @Test
    void chaosHelpNeedsNoHarnessBuild() {
        FakeCluster.Result r = FakeCluster.run(Map.of("RAFTKV_CHAOS_JAR", cwd.resolve("missing.jar").toString()), cwd, "chaos", "--help");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("Jepsen-style harness") && r.out().contains("raftkv chaos --nodes 3"), r.out());
        FakeCluster.Result run = cli("chaos", "--nodes", "3");
        assertEquals(1, run.code());
        assertTrue(run.err().contains("RAFTKV_CHAOS_JAR"), run.err());
    }

    @Test
    void versionPrintsTheCliVersion() {
        FakeCluster.Result r = cli("version");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("raftkv version: 0.1.0"), r.out());
    }
}
