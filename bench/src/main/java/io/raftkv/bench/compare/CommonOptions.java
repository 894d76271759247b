package io.raftkv.bench.compare;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by compare and failover: which systems, where things go, key space and value size. */
final class CommonOptions {
    @Option(names = "--systems", paramLabel = "LIST", split = ",", defaultValue = "raftkv,etcd",
            description = "Systems to run, in the order of odd rounds (default: ${DEFAULT-VALUE}). "
                    + "Ratios need both.")
    List<String> systems;

    @Option(names = "--keys", paramLabel = "N", description = "Key space (default: 100000 for compare, 1000 for failover); compare preloads every key.")
    Integer keys;

    @Option(names = "--value-size", paramLabel = "BYTES", defaultValue = "256",
            description = "Value size of every write (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Where the run directory (results.json, chart, table) is created "
                    + "(default: bench/target/<command> in the checkout).")
    Path out;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where the clusters' data directories go; pick the disk under test (default: the run "
                    + "directory's clusters/). Always deleted at exit.")
    Path workDir;

    @Option(names = "--server-jar", paramLabel = "JAR",
            description = "raftkv's runnable server jar (default: $RAFTKV_SERVER_JAR, else server/target/raftkv-server.jar).")
    Path serverJar;

    @Option(names = "--cli-jar", paramLabel = "JAR",
            description = "raftkv's command-line jar, which starts the local cluster (default: $RAFTKV_CLI_JAR, else "
                    + "cli/target/raftkv-cli.jar).")
    Path cliJar;

    @Option(names = "--raftkv-unary",
            description = "raftkv's client sends every request as its own gRPC call instead of on its batch stream "
                    + "(the library's batching(false)): what the stream buys, side by side.")
    boolean raftkvUnary;

    @Option(names = "--start-timeout", paramLabel = "DURATION", defaultValue = "60s",
            description = "How long a cluster may take to start and elect a leader (default: ${DEFAULT-VALUE}).")
    Duration startTimeout;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of compare's key choices (default: ${DEFAULT-VALUE}).")
    long seed;

    /** Fails on options no run could use (before anything is started). */
    void validate() {
        for (String s : systems) {
            if (!List.of("raftkv", "etcd").contains(s.trim())) {
                throw new IllegalArgumentException("unknown system '" + s + "' in --systems (raftkv, etcd)");
            }
        }
        if (keys != null && keys < 2) {
            throw new IllegalArgumentException("--keys must be at least 2");
        }
        if (valueBytes < 1 || valueBytes > (1 << 20)) {
            throw new IllegalArgumentException("--value-size must be 1..1048576");
        }
    }

    /** A fresh run directory {@code <out>/<timestamp>}. */
    Path runDir(String command) {
        Path base = out != null ? out : BenchMain.root().resolve("bench").resolve("target").resolve(command);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return base.toAbsolutePath().resolve(stamp);
    }

    /** The command line's jar, which runs {@code local up|restart} (the server jar runs only the node itself). */
    Path cliJar() {
        if (cliJar != null) {
            return cliJar;
        }
        String env = System.getenv("RAFTKV_CLI_JAR");
        return env != null && !env.isBlank() ? Path.of(env) : BenchMain.root().resolve("cli/target/raftkv-cli.jar");
    }

    Path serverJar() {
        if (serverJar != null) {
            return serverJar;
        }
        String env = System.getenv("RAFTKV_SERVER_JAR");
        return env != null && !env.isBlank() ? Path.of(env) : BenchMain.root().resolve("server/target/raftkv-server.jar");
    }

    /** The systems in the order asked for, built lazily (etcd may need installing). */
    List<SystemUnderTest> systems(Path clusters, PrintStream log) {
        List<SystemUnderTest> out = new ArrayList<>();
        for (String s : systems) {
            switch (s.trim()) {
                case "raftkv" -> out.add(new RaftkvSystem(serverJar(), cliJar(), clusters, raftkvUnary));
                case "etcd" -> out.add(new EtcdSystem(EtcdBinary.locate(log), clusters));
                default -> throw new IllegalArgumentException("unknown system '" + s + "' (raftkv or etcd)");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--systems names no system");
        }
        return out;
    }
}
