package io.raftkv.chaos;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code raftkv chaos}: one run against a fresh cluster; prints where the report is and exits 0 when
 * the history is linearizable and no acknowledged write was lost, 1 on a violation, 3 when the checker
 * could not decide (or the harness had trouble), 2 on bad usage.
 */
public final class Main {
    static final String USAGE = String.join("\n",
            "usage: raftkv chaos [--backend local|docker] [--nodes 3|5] [--nemesis partition,kill,pause,links,restart|all|none]",
            "                    [--time 60s] [--seed N] [--server-jar PATH] [--out DIR] [--tick 50ms]",
            "                    [--election-ticks 10] [--clients 10] [--rate 200] [--set-clients 2] [--set-rate 20]",
            "                    [--op-timeout 1.5s] [--check-budget 60s] [--fault-time 3s..6s] [--quiet-time 1.5s..3s]",
            "                    [--client raw|library|both] [--counter-clients 4] [--counter-rate 20]",
            "                    [--unsafe-local-reads] [--broken-sessions] [--base-image IMAGE] [--tls]",
            "",
            "Runs clients (raw stubs and the client library) against a fresh cluster while injecting faults, then",
            "checks the history for linearizability, lost writes and exactly-once increments, fails the run if a",
            "node exits on its own, and writes history.jsonl, results.json and report.html under",
            "--out (default chaos/target/runs)/<timestamp>-seed<N>/. The same --seed replays the same fault plan.",
            "--tls (local backend): TLS on every port with a CA issued for the run, client certificates required,",
            "mutual TLS between nodes.",
            "Nemeses: partition (" + labels("partition") + "), kill (" + labels("kill") + "), pause (" + labels("pause")
                    + "), links (" + labels("links") + "), restart (" + labels("restart") + "), membership ("
                    + labels("membership") + "), load (" + labels("load") + ", not part of all), or single names.",
            "Exit: 0 pass, 1 violation, 2 usage, 3 undecided (checker budget or harness trouble).",
            "",
            "       raftkv chaos check RUN_DIR|history.jsonl [--check-budget 5m]",
            "Checks a saved history again (same exit codes).");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("check")) {
            return check(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        RunOptions options;
        try {
            options = parse(args, env);
        } catch (IllegalArgumentException e) {
            err.println("raftkv chaos: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (options == null) {
            out.println(USAGE);
            return 0;
        }
        if (options.backend().equals("docker")) {
            java.util.Optional<String> problem = DockerEnvironment.problem(env);
            if (problem.isPresent()) {
                err.println("raftkv chaos: the docker backend cannot run here: " + problem.get());
                return 2;
            }
        }
        if (!Files.isRegularFile(options.serverJar())) {
            err.println("raftkv chaos: no server jar at " + options.serverJar() + ": build it with "
                    + "./mvnw -q -pl server -am package -DskipTests, or pass --server-jar");
            return 2;
        }
        err.println("raftkv chaos: seed " + options.seed() + " (replay: " + options.replayCommand() + ")");
        RunResult r = ChaosRun.execute(options);
        out.println(String.format(Locale.ROOT, "%s: linearizable=%s acknowledged_lost=%d ops=%d faults=%d seed=%d report=%s",
                r.verdict() == Verdict.VALID ? "PASS" : r.verdict() == Verdict.INVALID ? "VIOLATION" : "UNDECIDED",
                r.linearizability().verdict().json().replace("\"", ""), r.acknowledgedLost(), r.ops().size(),
                r.windows().size(), options.seed(), r.dir().resolve("report.html")));
        return r.exitCode();
    }

    /**
     * {@code raftkv chaos check RUN_DIR|history.jsonl [--check-budget 5m]}: checks a saved history again,
     * for instance with a bigger budget after an undecided run. Same exit codes as a run.
     */
    static int check(String[] args, PrintStream out, PrintStream err) {
        Path path = null;
        Duration budget = Duration.ofMinutes(5);
        try {
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--check-budget") && i + 1 < args.length) {
                    budget = duration(args[i], args[++i]);
                } else if (!args[i].startsWith("--") && path == null) {
                    path = Path.of(args[i]);
                } else {
                    throw new IllegalArgumentException("unexpected argument " + args[i]);
                }
            }
            if (path == null) {
                throw new IllegalArgumentException("check needs a run directory or a history.jsonl");
            }
        } catch (IllegalArgumentException e) {
            err.println("raftkv chaos check: " + e.getMessage());
            err.println("usage: raftkv chaos check RUN_DIR|history.jsonl [--check-budget 5m]");
            return 2;
        }
        Path file = Files.isDirectory(path) ? path.resolve("history.jsonl") : path;
        List<Op> ops;
        try {
            ops = HistoryReader.read(file);
        } catch (java.io.IOException | RuntimeException e) {
            err.println("raftkv chaos check: cannot read " + file + ": " + e.getMessage());
            return 2;
        }
        LinearizabilityChecker.Result lin = new LinearizabilityChecker(budget, Runtime.getRuntime().availableProcessors())
                .check(ops);
        Verdict v = lin.verdict();
        int lost = 0;
        for (SetChecker.Result s : SetChecker.check(ops)) {
            v = v.and(s.verdict());
            lost += s.lost().size();
        }
        for (LinearizabilityChecker.KeyResult k : lin.invalid()) {
            out.println("key " + k.key() + ": not linearizable after a prefix of " + k.longestPrefix().size()
                    + " operations (register then " + k.stateAfterPrefix() + "); cannot place:");
            k.involved().forEach(op -> out.println("  " + op.describe()));
        }
        out.println(String.format(Locale.ROOT, "%s: linearizable=%s acknowledged_lost=%d ops=%d keys=%d checked in %d ms",
                v == Verdict.VALID ? "PASS" : v == Verdict.INVALID ? "VIOLATION" : "UNDECIDED",
                lin.verdict().json().replace("\"", ""), lost, ops.size(), lin.keys(), lin.elapsedMillis()));
        return v == Verdict.VALID ? 0 : v == Verdict.INVALID ? 1 : 3;
    }

    /** The options, or null when help was asked for. */
    static RunOptions parse(String[] args, Map<String, String> env) {
        String backend = "local";
        int nodes = 3;
        String nemesisSpec = "partition,kill,pause";
        String baseImage = null;
        Duration time = Duration.ofSeconds(60);
        long seed = ThreadLocalRandom.current().nextLong(1, 1L << 48);
        Path serverJar = null;
        Path out = null;
        Duration tick = Duration.ofMillis(50);
        int electionTicks = 10;
        int clients = 10;
        double rate = 200;
        int setClients = 2;
        double setRate = 20;
        Duration opTimeout = null;
        Duration budget = Duration.ofSeconds(60);
        boolean unsafe = false;
        boolean tls = false;
        LibraryOptions library = LibraryOptions.DEFAULT;
        Duration[] faultTime = null;
        Duration[] quietTime = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                return null;
            }
            if (a.equals("--unsafe-local-reads")) {
                unsafe = true;
                continue;
            }
            if (a.equals("--broken-sessions")) {
                library = library.withBrokenSessions(true);
                continue;
            }
            if (a.equals("--tls")) {
                tls = true;
                continue;
            }
            String name = a;
            String value;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + a);
                }
                value = args[++i];
            }
            switch (name) {
                case "--backend" -> backend = value;
                case "--nodes" -> nodes = integer(name, value);
                case "--nemesis" -> nemesisSpec = value;
                case "--base-image" -> baseImage = value;
                case "--time" -> time = duration(name, value);
                case "--seed" -> seed = longValue(name, value);
                case "--server-jar" -> serverJar = Path.of(value);
                case "--out" -> out = Path.of(value);
                case "--tick" -> tick = duration(name, value);
                case "--election-ticks" -> electionTicks = integer(name, value);
                case "--clients" -> clients = integer(name, value);
                case "--rate" -> rate = number(name, value);
                case "--set-clients" -> setClients = integer(name, value);
                case "--set-rate" -> setRate = number(name, value);
                case "--op-timeout" -> opTimeout = duration(name, value);
                case "--check-budget" -> budget = duration(name, value);
                case "--fault-time" -> faultTime = range(name, value);
                case "--quiet-time" -> quietTime = range(name, value);
                case "--client" -> library = new LibraryOptions(LibraryOptions.ClientMode.parse(value),
                        library.counterClients(), library.counterRate(), library.brokenSessions());
                case "--counter-clients" -> library = new LibraryOptions(library.registerClient(), integer(name, value),
                        library.counterRate(), library.brokenSessions());
                case "--counter-rate" -> library = new LibraryOptions(library.registerClient(), library.counterClients(),
                        number(name, value), library.brokenSessions());
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        Set<FaultKind> nemeses = java.util.EnumSet.noneOf(FaultKind.class);
        nemeses.addAll(FaultKind.parse(nemesisSpec));
        if (backend.equals("docker")) {
            // A group (links, all) means "what this backend can do"; a fault named on its own must be honoured or refused.
            List<String> named = java.util.Arrays.stream(nemesisSpec.split(",")).map(p -> p.trim().toLowerCase(Locale.ROOT))
                    .toList();
            DockerCluster.UNSUPPORTED.stream().filter(k -> !named.contains(k.label)).forEach(nemeses::remove);
        } else if (baseImage != null) {
            throw new IllegalArgumentException("--base-image is for --backend docker");
        }
        if (serverJar == null) {
            serverJar = defaultServerJar(env);
        }
        if (out == null) {
            out = defaultRunsDir();
        }
        NemesisSchedule.Timing timing = NemesisSchedule.Timing.forTick(tick);
        if (faultTime != null || quietTime != null) {
            timing = new NemesisSchedule.Timing(faultTime != null ? faultTime[0] : timing.faultMin(),
                    faultTime != null ? faultTime[1] : timing.faultMax(), quietTime != null ? quietTime[0] : timing.quietMin(),
                    quietTime != null ? quietTime[1] : timing.quietMax());
        }
        return new RunOptions(backend, nodes, nemeses, time, seed, serverJar, out, clients, rate, setClients, setRate,
                opTimeout != null ? opTimeout : RunOptions.opTimeoutFor(tick), tick, electionTicks, unsafe, budget, timing,
                LocalCluster.Settings.DEFAULT_JAVA_OPTS, baseImage, library, tls);
    }

    /** --server-jar, else $RAFTKV_SERVER_JAR, else the server module's jar next to this module's. */
    static Path defaultServerJar(Map<String, String> env) {
        String fromEnv = env.get("RAFTKV_SERVER_JAR");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        Path root = repositoryRoot();
        return root.resolve("server/target/raftkv-server.jar");
    }

    static Path defaultRunsDir() {
        return repositoryRoot().resolve("chaos/target/runs");
    }

    /** The checkout this jar was built in (chaos/target/raftkv-chaos.jar), else the working directory. */
    private static Path repositoryRoot() {
        try {
            var src = Main.class.getProtectionDomain().getCodeSource();
            if (src != null) {
                Path code = Path.of(src.getLocation().toURI()).toAbsolutePath();
                // .../chaos/target/raftkv-chaos.jar or .../chaos/target/classes
                Path target = code.getParent();
                if (target != null && target.getFileName() != null && target.getFileName().toString().equals("target")
                        && target.getParent() != null && target.getParent().getParent() != null
                        && Files.isDirectory(target.getParent().getParent().resolve("server"))) {
                    return target.getParent().getParent();
                }
            }
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            // Fall through to the working directory.
        }
        return Path.of("").toAbsolutePath();
    }

    private static String labels(String group) {
        return String.join(", ", List.of(FaultKind.values()).stream().filter(k -> k.group.equals(group)).map(k -> k.label)
                .toList());
    }

    private static int integer(String name, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, got '" + v + "'");
        }
    }

    private static long longValue(String name, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, got '" + v + "'");
        }
    }

    private static double number(String name, String v) {
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a number, got '" + v + "'");
        }
    }

    /** MIN..MAX, each a duration: 2.5s..4s. */
    static Duration[] range(String name, String v) {
        int dots = v.indexOf("..");
        if (dots <= 0) {
            throw new IllegalArgumentException(name + " needs a range such as 2.5s..4s, got '" + v + "'");
        }
        Duration min = duration(name, v.substring(0, dots));
        Duration max = duration(name, v.substring(dots + 2));
        if (min.compareTo(max) > 0 || min.isNegative()) {
            throw new IllegalArgumentException(name + " range " + v + " is empty or negative");
        }
        return new Duration[] {min, max};
    }

    /** 60s, 500ms, 2m, 1.5s; a bare number is seconds. */
    static Duration duration(String name, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 2))));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis(Math.round(1000 * Double.parseDouble(s.substring(0, s.length() - 1))));
            }
            if (s.endsWith("m")) {
                return Duration.ofMillis(Math.round(60_000 * Double.parseDouble(s.substring(0, s.length() - 1))));
            }
            return Duration.ofMillis(Math.round(1000 * Double.parseDouble(s)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a duration such as 60s, 500ms or 2m, got '" + v + "'");
        }
    }
}
