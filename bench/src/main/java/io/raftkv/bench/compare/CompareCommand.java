package io.raftkv.bench.compare;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code raftkv bench compare}: the matrix, the table, results.json and chart.svg. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        version = "raftkv bench 0.1.0-SNAPSHOT",
        description = {
            "Runs the same closed-loop workloads against a raftkv and an etcd 3.4 cluster (3 nodes each on 127.0.0.1, "
                + "fresh data directories, fsync on, default settings) and prints one table: per cell, each system's "
                + "range over rounds and the raftkv/etcd ratio of the medians. Writes results.json, chart.svg and "
                + "table.md to a new run directory.",
            "",
            "Each round starts a fresh cluster per system, preloads the keys and runs every cell: a warm-up, then the "
                + "measured period. Rounds alternate which system goes first. etcd comes from Debian's etcd-server "
                + "(installed with apt-get when missing and running as root). Both systems' nodes are stopped and their "
                + "data deleted at exit, also on Ctrl-C or failure.",
            ""},
        footer = {"",
            "Cells: put (uniform keys), get-lin (linearizable get), get-ser (serializable get), ycsb-a (50%% get-lin, "
                + "50%% put, zipfian 0.99 keys). Server CPU: utime+stime of the 3 server processes over the measured "
                + "period. RSS: the largest VmRSS a node reached during the cell. Entries/fsync: commit-index advance "
                + "over WAL fsyncs, summed over the nodes.",
            "",
            "Example: raftkv bench compare --cells put@64,get-lin --rounds 1 --duration 5s"})
final class CompareCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--round-warmup", paramLabel = "DURATION", defaultValue = "20s",
            description = "Warm-up of every fresh cluster after the preload, before its first cell: puts and both "
                    + "kinds of get, so the server JVMs' JIT has compiled the paths the cells use (default: ${DEFAULT-VALUE}).")
    Duration roundWarmup;

    @Option(names = "--idle", paramLabel = "DURATION", defaultValue = "3s",
            description = "After the cluster's warm-up, measure the servers' CPU with no load for this long: the "
                    + "floor that low-concurrency cells share (default: ${DEFAULT-VALUE}; 0 skips it).")
    Duration idle;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "5s",
            description = "Warm-up of every cell before it is measured (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s",
            description = "Measured period of every cell (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--cells", paramLabel = "LIST", defaultValue = "put,get-lin,get-ser,ycsb-a",
            description = "Cells to run, comma-separated: WORKLOAD or WORKLOAD@CLIENTS. A bare put expands to one cell "
                    + "per --clients count, other bare workloads use --fixed-clients (default: ${DEFAULT-VALUE}).")
    String cells;

    @Option(names = "--clients", paramLabel = "LIST", split = ",", defaultValue = "1,16,64,256",
            description = "Client counts of the put sweep (default: ${DEFAULT-VALUE}).")
    List<Integer> clients;

    @Option(names = "--fixed-clients", paramLabel = "N", defaultValue = "64",
            description = "Clients of bare get-lin, get-ser and ycsb-a cells (default: ${DEFAULT-VALUE}).")
    int fixedClients;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "2",
            description = "Rounds; odd rounds run the systems in --systems order, even rounds reversed (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws IOException {
        List<Cell> cellList;
        try {
            cellList = Cell.parse(cells, clients, fixedClients);
            common.validate();
            if (rounds < 1) {
                throw new IllegalArgumentException("--rounds must be at least 1");
            }
            if (warmup.isNegative() || roundWarmup.isNegative() || idle.isNegative() || duration.isZero() || duration.isNegative()) {
                throw new IllegalArgumentException("--duration must be positive, --warmup and --round-warmup not negative");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + " (see 'raftkv bench compare --help')");
            return 2;
        }
        int keys = common.keys != null ? common.keys : 100_000;
        PrintStream log = System.err;
        Path runDir = common.runDir("compare");
        Files.createDirectories(runDir);
        Path clusters = common.workDir != null ? common.workDir.resolve("raftkv-bench-" + runDir.getFileName()) : runDir.resolve("clusters");
        AutoCloseable deleteClusters = Cleanup.deleteAtExit(clusters);
        Map<String, Object> machine = Machine.facts(BenchMain.root(), clusters);
        Compare.Settings settings = new Compare.Settings(roundWarmup, idle, warmup, duration, cellList, rounds, keys, common.valueBytes,
                common.startTimeout, common.seed);
        long perRound = cellList.size() * (warmup.toSeconds() + duration.toSeconds()) + roundWarmup.toSeconds() + idle.toSeconds() + 25;
        log.printf("bench compare: %d cells x %s x %d rounds, %s warm-up per cluster, %s warm-up + %s measured per cell, "
                        + "%,d keys of %d bytes (about %d min)%nmachine: %s%nrun directory: %s%n", cellList.size(),
                common.systems, rounds, Units.duration(roundWarmup), Units.duration(warmup), Units.duration(duration), keys,
                common.valueBytes,
                Math.max(1, Math.round(perRound * rounds * common.systems.size() / 60.0)), Machine.oneLine(machine), runDir);

        Instant started = Instant.now();
        Compare compare = new Compare(settings, log);
        List<SystemUnderTest> systems = new ArrayList<>();
        RuntimeException failure = null;
        try {
            systems.addAll(common.systems(clusters, log));
            compare.run(systems);
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            systems.forEach(SystemUnderTest::close);
            Cleanup.deleteTree(clusters);
            Cleanup.done(deleteClusters);
        }
        Instant finished = Instant.now();
        double elapsed = Duration.between(started, finished).toMillis() / 1000.0;

        List<String> names = common.systems.stream().map(String::trim).toList();
        List<Result> results = compare.results();
        List<Summary> summaries = Summary.all(cellList, names, results);
        String a = names.get(0);
        String b = names.size() > 1 ? names.get(1) : null;
        Table table = Table.of(cellList, a, b, summaries);
        String tableText = render(table) + idleLine(names, compare.idles());
        if (!results.isEmpty()) {
            System.out.print(tableText);
        }

        Map<String, Object> describe = new LinkedHashMap<>();
        systems.forEach(s -> describe.put(s.name(), s.describe()));
        List<Object> ratios = new ArrayList<>();
        for (Cell c : cellList) {
            Summary.find(summaries, c, a).flatMap(sa -> Summary.find(summaries, c, b)
                    .map(sb -> Json.ratios(Summary.ratios(sa, sb)))).ifPresent(ratios::add);
        }
        Map<String, Object> json = Json.object().with("command", "compare").with("started", started.toString())
                .with("finished", finished.toString()).with("elapsedSeconds", elapsed).with("machine", machine)
                .with("loadAverageAtEnd", Machine.loadAverage())
                .with("systems", describe).with("settings", compare.settingsJson())
                .with("ratiosOf", b == null ? null : a + "/" + b)
                .with("results", results.stream().map(Json::result).toList())
                .with("summary", summaries.stream().map(Json::summary).toList())
                .with("idleServerCpuMsPerSecond", compare.idles().stream().map(i -> Json.object().with("system", i.system())
                        .with("round", i.round()).with("cpuMsPerSecond", i.cpuMsPerSecond())).toList())
                .with("ratios", ratios)
                .with("error", failure == null ? null : String.valueOf(failure.getMessage()));
        Files.writeString(runDir.resolve("results.json"), Json.write(json), StandardCharsets.UTF_8);
        String subtitle = String.format("%s, %d round(s), %s + %s warm-up, %s measured per cell, %,d keys x %d B; %s",
                started.toString().substring(0, 16).replace('T', ' '), rounds, Units.duration(roundWarmup), Units.duration(warmup),
                Units.duration(duration), keys, common.valueBytes, Machine.oneLine(machine));
        if (!results.isEmpty()) {
            Files.writeString(runDir.resolve("chart.svg"), Svg.chart(cellList, names, results, summaries, subtitle),
                    StandardCharsets.UTF_8);
            Files.writeString(runDir.resolve("table.md"), "<!-- " + subtitle + " -->\n" + tableText, StandardCharsets.UTF_8);
            System.out.printf("%nchart:   %s%n", runDir.resolve("chart.svg"));
        }
        System.out.printf("results: %s%ntotal time: %.0f s%n", runDir.resolve("results.json"), elapsed);
        if (failure != null) {
            System.err.println("error: " + failure.getMessage());
            if (System.getenv("RAFTKV_DEBUG") != null) {
                failure.printStackTrace();
            }
            return 1;
        }
        return 0;
    }

    /** One line under the table: each system's idle server CPU over the rounds. */
    static String idleLine(List<String> systems, List<Compare.Idle> idles) {
        if (idles.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (String s : systems) {
            Stats.Range r = Stats.range(idles.stream().filter(i -> i.system().equals(s)).map(Compare.Idle::cpuMsPerSecond).toList());
            if (!r.empty()) {
                parts.add(s + " " + Table.range(r, Units::count));
            }
        }
        return "\nServer CPU with no load (3 nodes, after the warm-up): " + String.join(", ", parts) + " ms per second.\n";
    }

    static String render(Table t) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream p = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            t.print(p);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
