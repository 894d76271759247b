package io.raftkv.server.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import io.raftkv.launcher.Units;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Entry point of the server's runnable jar: {@code server} (one node in the foreground) and the offline
 * commands that need the storage module, {@code backup status} and {@code backup restore}. Every other
 * command is the CLI module's ({@code io.raftkv.cli.Main}); {@code bin/raftkv} sends each command to its
 * jar. Exit codes: 0 success, 1 the operation failed, 2 bad input. Errors are one line,
 * {@code error: <reason>}, on stderr.
 */
public final class Main {
    /** Held so the JUL configuration is not garbage-collected with the logger. */
    private static final java.util.logging.Logger GRPC_JUL = java.util.logging.Logger.getLogger("io.grpc");

    private Main() {
    }

    public static void main(String[] args) {
        boolean server = args.length > 0 && args[0].equals("server");
        if (!server) {
            quietLogging();
        }
        int code = run(args, CliContext.system());
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** Runs one command line; never calls System.exit, so tests can run it in-process. */
    static int run(String[] args, CliContext ctx) {
        try {
            CommandLine cl = build(ctx);
            if (args.length > 0 && args[0].equals("server")) {
                String file = ConfigFile.locate(Arrays.copyOfRange(args, 1, args.length));
                if (file != null) {
                    ConfigFile config = ConfigFile.load(ctx.resolve(Path.of(file)));
                    CommandLine sub = cl.getSubcommands().get("server");
                    config.checkKeys(sub.getCommandSpec());
                    sub.setDefaultValueProvider(config.defaults());
                    // execute() reports parse errors through the top-level handler, whichever command failed.
                    cl.setParameterExceptionHandler((ex, a) -> parameterError(ctx, ex, a, config));
                }
            }
            return cl.execute(args);
        } catch (CliException e) {
            ctx.err().println("error: " + e.getMessage());
            return e.exitCode();
        } finally {
            ctx.out().flush();
            ctx.err().flush();
        }
    }

    static CommandLine build(CliContext ctx) {
        CommandLine cl = new CommandLine(new Root());
        cl.addSubcommand("server", new ServerCommand(ctx));
        cl.addSubcommand("backup", BackupCommands.command(ctx));
        // Registered after the subcommands: picocli copies converters to the subcommands present now.
        cl.registerConverter(Duration.class, Main::duration);
        // A value starting with '@' is a value, not a file to read arguments from.
        cl.setExpandAtFiles(false);
        cl.setOut(ctx.out());
        cl.setErr(ctx.err());
        cl.setParameterExceptionHandler((ex, a) -> parameterError(ctx, ex, a, null));
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> executionError(ctx, ex));
        return cl;
    }

    static Duration duration(String text) {
        try {
            return Units.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** One line naming the problem and where to look, instead of picocli's full usage dump. */
    private static int parameterError(CliContext ctx, ParameterException ex, String[] args, ConfigFile config) {
        String message = ex.getMessage();
        if (config != null && ex.getArgSpec() instanceof OptionSpec) {
            OptionSpec o = (OptionSpec) ex.getArgSpec();
            if (config.has(o) && !given(args, o)) {
                message += " (from --config " + config.path() + ")";
            }
        }
        ctx.err().println("error: " + message + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
        return CliException.USAGE;
    }

    private static boolean given(String[] args, OptionSpec option) {
        for (String a : args) {
            for (String name : option.names()) {
                if (a.equals(name) || a.startsWith(name + "=")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int executionError(CliContext ctx, Exception ex) {
        if (ex instanceof CliException) {
            ctx.err().println("error: " + ex.getMessage());
            return ((CliException) ex).exitCode();
        }
        // Not a user error: a bug or an environment problem. Keep the line; the trace on request.
        String what = ex.getMessage() == null ? ex.getClass().getName() : ex.getClass().getSimpleName() + ": " + ex.getMessage();
        ctx.err().println("error: " + what + (ctx.debug() ? "" : " (set RAFTKV_DEBUG=1 for a stack trace)"));
        if (ctx.debug()) {
            ex.printStackTrace(ctx.err());
        }
        return CliException.FAILED;
    }

    /**
     * Client and local commands print their own results and errors; library logging (Netty's debug
     * lines through logback's default console appender, gRPC's JUL warnings) would corrupt stdout.
     * The server command keeps logging as configured.
     */
    private static void quietLogging() {
        org.slf4j.Logger root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger) {
            ((ch.qos.logback.classic.Logger) root).setLevel(ch.qos.logback.classic.Level.OFF);
        }
        GRPC_JUL.setLevel(java.util.logging.Level.OFF);
    }

    @Command(name = "raftkv", mixinStandardHelpOptions = true, version = "raftkv 0.1.0-SNAPSHOT",
            usageHelpAutoWidth = true,
            description = {"The raftkv server jar: a node, and the offline commands that read backup files.",
                "Every other command (put, get, local, member, ...) is in the CLI jar: run 'bin/raftkv --help'.", ""},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:success", "1:the operation failed", "2:bad input or usage"})
    static final class Root implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }
}
