package io.raftkv.cli;

import io.raftkv.launcher.ServerLauncher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * Commands that live in another jar: {@code server} and the offline {@code backup status|restore} (the
 * server jar: they need the storage module and RocksDB) and {@code chaos} (the harness's jar). They are here
 * so that {@code raftkv --help} lists them; {@code bin/raftkv} sends them straight to their jar, and these
 * run that jar when the CLI jar is started some other way. Every argument goes through untouched, help
 * flags included.
 */
final class Delegate {
    static final String CHAOS_JAR_ENV = "RAFTKV_CHAOS_JAR";

    private Delegate() {
    }

    /** Runs {@code java -jar JAR ARGS} in the foreground, sharing this process's terminal; its exit code. */
    static int run(CliContext ctx, Path jar, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(ServerLauncher.currentJava().toString(), "-jar", jar.toString()));
        cmd.addAll(args);
        try {
            return new ProcessBuilder(cmd).directory(ctx.cwd().toFile()).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw CliException.failed("cannot run " + jar + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failed("interrupted");
        }
    }

    static Path jar(CliContext ctx, String env, String build) {
        String p = ctx.env().get(env);
        if (p == null || p.isBlank() || !Files.isRegularFile(Path.of(p))) {
            throw CliException.failed("this command runs from another jar, and $" + env + " names none"
                    + (p == null || p.isBlank() ? "" : " (" + p + " does not exist)") + ": use bin/raftkv, or build it with " + build);
        }
        return Path.of(p);
    }

    static final String SERVER_BUILD = "./mvnw -q -pl server -am package -DskipTests";

    @Command(name = "server", description = {"Run one node in the foreground (the server jar; every flag: 'raftkv server --help').",
        "Example: raftkv server --id 1 --initial-cluster 1=10.0.0.1:7001,2=10.0.0.2:7001,3=10.0.0.3:7001 \\",
        "           --client-addr 0.0.0.0:8001 --advertise-client-addr 10.0.0.1:8001 --data-dir /var/lib/raftkv"})
    static final class Server implements Callable<Integer> {
        private final CliContext ctx;
        @Unmatched
        List<String> args = new ArrayList<>();

        Server(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            List<String> all = new ArrayList<>(List.of("server"));
            all.addAll(args);
            return run(ctx, jar(ctx, ServerLauncher.SERVER_JAR_ENV, SERVER_BUILD), all);
        }
    }

    /** Runs {@code backup NAME ARGS} from the server jar. */
    static int offline(CliContext ctx, String name, List<String> args) {
        List<String> all = new ArrayList<>(List.of("backup", name));
        all.addAll(args);
        return run(ctx, jar(ctx, ServerLauncher.SERVER_JAR_ENV, SERVER_BUILD), all);
    }

    @Command(name = "status", description = {"Verify FILE completely (every chunk's CRC32C, every record, the SHA-256) and",
        "print what it holds (the server jar; its flags: 'raftkv backup status --help')."})
    static final class BackupStatus implements Callable<Integer> {
        private final CliContext ctx;
        @Unmatched
        List<String> args = new ArrayList<>();

        BackupStatus(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            return offline(ctx, "status", args);
        }
    }

    @Command(name = "restore", description = {"Create the data directory of one member of a NEW cluster from FILE, offline",
        "(the server jar; its flags: 'raftkv backup restore --help')."})
    static final class BackupRestore implements Callable<Integer> {
        private final CliContext ctx;
        @Unmatched
        List<String> args = new ArrayList<>();

        BackupRestore(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            return offline(ctx, "restore", args);
        }
    }

    @Command(name = "chaos", description = {"The Jepsen-style harness (its own jar, built on first run): a real cluster, injected",
        "faults, a history checked for linearizability. Examples:",
        "  raftkv chaos --nodes 3 --nemesis partition,kill,pause --time 60s",
        "  raftkv chaos check chaos/target/runs/<run>/",
        "Every option: 'raftkv chaos --help' once the harness is built; chaos/README.md."})
    static final class Chaos implements Callable<Integer> {
        private final CliContext ctx;
        @Spec
        CommandSpec spec;
        @Unmatched
        List<String> args = new ArrayList<>();

        Chaos(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            String p = ctx.env().get(CHAOS_JAR_ENV);
            boolean built = p != null && !p.isBlank() && Files.isRegularFile(Path.of(p));
            if (!built && (args.contains("--help") || args.contains("-h"))) {
                // Help never builds anything: this summary until the harness exists.
                spec.commandLine().usage(ctx.out());
                return 0;
            }
            return run(ctx, jar(ctx, CHAOS_JAR_ENV, "./mvnw -q -pl server,chaos -am package -DskipTests"), args);
        }
    }
}
