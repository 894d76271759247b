package io.raftkv.cli;

import io.raftkv.client.RaftKvException;
import io.raftkv.launcher.Units;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Entry point of {@code bin/raftkv} and of the CLI's runnable jar. Errors are one line on stderr; the exit
 * codes are {@link CliException}'s.
 */
public final class Main {
    /** Held so the JUL configuration is not garbage-collected with the loggers. */
    private static final Logger[] QUIET = {Logger.getLogger("io.grpc"), Logger.getLogger("io.raftkv")};

    static final String VERSION = versionOf(Main.class);

    private Main() {
    }

    public static void main(String[] args) {
        // The CLI prints its own results and errors; library warnings (gRPC's, the client's) would corrupt them.
        for (Logger l : QUIET) {
            l.setLevel(Level.OFF);
        }
        CliContext ctx = CliContext.system();
        int code = run(args, ctx);
        ctx.out().flush();
        ctx.err().flush();
        System.exit(code);
    }

    /** Runs one command line; never calls System.exit, so tests can run it in-process. */
    static int run(String[] args, CliContext ctx) {
        try {
            return build(ctx, args).execute(args);
        } catch (CliException e) {
            ctx.err().println(e.line());
            return e.exitCode();
        } finally {
            ctx.out().flush();
            ctx.err().flush();
        }
    }

    /** Builds every command: for help and tests. */
    static CommandLine build(CliContext ctx) {
        return build(ctx, null);
    }

    /**
     * The command tree for {@code args}: only the command named by the first argument when there is one.
     * Picocli builds each command's model by reflection, and building all of them took most of a short
     * command's start (0.4 s of 0.6 s for {@code get}); the root's help and unknown commands get them all.
     */
    static CommandLine build(CliContext ctx, String[] args) {
        CommandLine cl = new CommandLine(new Root());
        Map<String, Function<CliContext, Object>> commands = commands();
        String first = args == null || args.length == 0 ? null : args[0];
        if (first != null && commands.containsKey(first)) {
            cl.addSubcommand(first, commands.get(first).apply(ctx));
        } else {
            commands.forEach((name, make) -> cl.addSubcommand(name, make.apply(ctx)));
        }
        // Registered after the subcommands: picocli copies converters to the subcommands present now.
        cl.registerConverter(Duration.class, Main::duration);
        // A value starting with '@' is a value: picocli would otherwise replace it with a file's contents.
        cl.setExpandAtFiles(false);
        cl.setOut(new PrintWriter(ctx.out(), true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(ctx.err(), true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler((ex, a) -> parameterError(ctx, ex));
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> executionError(ctx, ex));
        return cl;
    }

    /** Every command by name, in the order --help lists them. */
    private static Map<String, Function<CliContext, Object>> commands() {
        Map<String, Function<CliContext, Object>> m = new LinkedHashMap<>();
        m.put("put", KvCommands.Put::new);
        m.put("get", KvCommands.Get::new);
        m.put("del", KvCommands.Del::new);
        m.put("cas", KvCommands.Cas::new);
        m.put("scan", KvCommands.ScanCmd::new);
        m.put("txn", TxnCommand::new);
        m.put("status", ClusterCommands.StatusCmd::new);
        m.put("members", MemberCommands.ListCmd::new);
        m.put("member", MemberCommands::command);
        m.put("transfer", ClusterCommands.Transfer::new);
        m.put("endpoint", ClusterCommands::endpoint);
        m.put("alarm", AlarmCommands::alarm);
        m.put("check", AlarmCommands::check);
        m.put("version", ClusterCommands.VersionCmd::new);
        m.put("backup", BackupCommands::command);
        m.put("auth", AuthCommands::command);
        m.put("user", UserCommands::command);
        m.put("role", RoleCommands::command);
        m.put("local", LocalCommands::command);
        m.put("server", Delegate.Server::new);
        m.put("chaos", Delegate.Chaos::new);
        return m;
    }

    static Duration duration(String text) {
        try {
            return Units.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** One line naming the problem and where to look, instead of picocli's full usage dump. */
    private static int parameterError(CliContext ctx, ParameterException ex) {
        ctx.err().println("error: " + ex.getMessage() + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                + " --help')");
        return CliException.USAGE;
    }

    private static int executionError(CliContext ctx, Exception ex) {
        if (ex instanceof CliException c) {
            ctx.err().println(c.line());
            return c.exitCode();
        }
        if (ex instanceof RaftKvException r) {
            CliException c = Failures.of(r);
            ctx.err().println(c.line());
            return c.exitCode();
        }
        // Not a user error: a bug or an environment problem. Keep the line; the trace on request.
        String what = ex.getMessage() == null ? ex.getClass().getName() : ex.getClass().getSimpleName() + ": " + ex.getMessage();
        ctx.err().println("error: " + what + (ctx.debug() ? "" : " (set RAFTKV_DEBUG=1 for a stack trace)"));
        if (ctx.debug()) {
            ex.printStackTrace(ctx.err());
        }
        return CliException.FAILED;
    }

    private static String versionOf(Class<?> c) {
        String v = c.getPackage() == null ? null : c.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    @Command(name = "raftkv", mixinStandardHelpOptions = true, versionProvider = Version.class,
            usageHelpAutoWidth = true,
            description = {"A Raft-replicated key-value store.", "",
                "  raftkv local up           start a local 3-node cluster",
                "  raftkv put K V, get K     talk to it (or to --endpoints / $RAFTKV_ENDPOINTS)",
                "  raftkv local kill leader  break it; see 'raftkv local --help'",
                "  raftkv server --id N ...  run one node in the foreground",
                "  raftkv backup save FILE   back it up; see 'raftkv backup --help'", "",
                "Every command takes -w simple|table|json; keys and values are UTF-8 text, or hex with --hex.", ""},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:success", "1:the operation failed (unreachable, no quorum, ...)",
                "2:bad input or usage, also input the server rejected", "3:the answer is no: key not found, comparison failed"})
    static final class Root implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    /** {@code raftkv --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"raftkv " + VERSION};
        }
    }
}
