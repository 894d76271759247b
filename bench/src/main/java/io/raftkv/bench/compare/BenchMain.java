package io.raftkv.bench.compare;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv bench compare|failover}: raftkv against etcd 3.4 on this machine, both clusters started by
 * the benchmark itself. {@code bin/raftkv bench} builds the jars and runs this class from the bench jar.
 * Exit codes: 0 done, 1 the run failed (its partial results are still written), 2 bad options.
 */
@Command(name = "raftkv bench", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        version = "raftkv bench 0.1.0-SNAPSHOT",
        description = {"Benchmarks raftkv against etcd 3.4, both run as 3-node clusters on 127.0.0.1 by the benchmark.", "",
            "  raftkv bench compare    throughput, latency, CPU, RSS, fsync batching per cell",
            "  raftkv bench failover   SIGKILL of the leader -> first acknowledged write", "",
            "'raftkv bench COMMAND --help' documents every option."},
        subcommands = {CompareCommand.class, FailoverCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:the run failed (partial results are still written)", "2:bad options"})
public final class BenchMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private BenchMain() {
    }

    public static void main(String[] args) {
        // grpc-java logs through java.util.logging; failovers would fill the console with connection warnings
        // that the benchmark already counts as errors.
        Logger.getLogger("io.grpc").setLevel(Level.SEVERE);
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new BenchMain());
        cl.registerConverter(Duration.class, Units::parseDuration);
        // Registered converters reach only subcommands added before: add them again to be sure.
        cl.getSubcommands().values().forEach(sub -> sub.registerConverter(Duration.class, Units::parseDuration));
        return cl;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** The checkout: bin/raftkv exports RAFTKV_ROOT; otherwise the current directory. */
    static Path root() {
        String r = System.getenv("RAFTKV_ROOT");
        return (r != null && !r.isBlank() ? Path.of(r) : Path.of("")).toAbsolutePath().normalize();
    }
}
