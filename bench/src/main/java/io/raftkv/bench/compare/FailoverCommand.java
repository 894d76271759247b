package io.raftkv.bench.compare;

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

/** {@code raftkv bench failover}: kill → first acknowledged write, per system and client setting. */
@Command(name = "failover", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        version = "raftkv bench 0.1.0-SNAPSHOT",
        description = {
            "One client writes back to back (a put to one key after another) while the benchmark SIGKILLs the "
                + "current leader, --kills times per client setting; after each kill the node is restarted and caught "
                + "up before the next. Reports, per system and client setting, the time from the kill to the "
                + "acknowledgement of the first put sent after the kill (median and range over the kills) and the "
                + "errors the client saw meanwhile. Client settings: the library's defaults, then (unless "
                + "--no-deadline-row) a per-call deadline. Writes results.json and table.md to a new run directory.",
            ""})
final class FailoverCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--kills", paramLabel = "N", defaultValue = "5",
            description = "Leader kills per system and client setting (default: ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "1s",
            description = "Per-call deadline of the second client setting (raftkv: requestTimeout; etcd: the "
                    + "future's timeout, then the next put) (default: ${DEFAULT-VALUE}).")
    Duration deadline;

    @Option(names = "--deadline-row", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also run with --deadline per call (default: on; --no-deadline-row skips it).")
    boolean deadlineRow;

    @Option(names = "--settle", paramLabel = "DURATION", defaultValue = "2s",
            description = "Steady writing after a restarted node caught up, before the next kill (default: ${DEFAULT-VALUE}).")
    Duration settle;

    @Override
    public Integer call() throws IOException {
        try {
            common.validate();
            if (kills < 1) {
                throw new IllegalArgumentException("--kills must be at least 1");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + " (see 'raftkv bench failover --help')");
            return 2;
        }
        int keys = common.keys != null ? common.keys : 1_000;
        PrintStream log = System.err;
        Path runDir = common.runDir("failover");
        Files.createDirectories(runDir);
        Path clusters = common.workDir != null ? common.workDir.resolve("raftkv-bench-" + runDir.getFileName()) : runDir.resolve("clusters");
        AutoCloseable deleteClusters = Cleanup.deleteAtExit(clusters);
        Map<String, Object> machine = Machine.facts(BenchMain.root(), clusters);
        log.printf("bench failover: %s, %d kills per client setting%nmachine: %s%nrun directory: %s%n", common.systems, kills,
                Machine.oneLine(machine), runDir);
        List<Duration> deadlines = new ArrayList<>();
        deadlines.add(null);
        if (deadlineRow) {
            deadlines.add(deadline);
        }
        Instant started = Instant.now();
        Failover failover = new Failover(kills, settle, keys, common.valueBytes, log);
        List<Failover.Series> series = new ArrayList<>();
        List<SystemUnderTest> systems = new ArrayList<>();
        RuntimeException failure = null;
        try {
            systems.addAll(common.systems(clusters, log));
            for (SystemUnderTest sys : systems) {
                series.addAll(failover.run(sys, deadlines, common.startTimeout));
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            systems.forEach(SystemUnderTest::close);
            Cleanup.deleteTree(clusters);
            Cleanup.done(deleteClusters);
        }
        double elapsed = Duration.between(started, Instant.now()).toMillis() / 1000.0;
        String table = table(series);
        if (!series.isEmpty()) {
            System.out.print(table);
        }

        Map<String, Object> describe = new LinkedHashMap<>();
        systems.forEach(s -> describe.put(s.name(), s.describe()));
        List<Object> rows = new ArrayList<>();
        for (Failover.Series s : series) {
            List<Object> ks = new ArrayList<>();
            s.kills().forEach(k -> ks.add(Json.object().with("killedNode", k.killedNode()).with("newLeader", k.newLeader())
                    .with("killToFirstAckMs", k.gapMs()).with("errors", k.errors())));
            rows.add(Json.object().with("system", s.system()).with("client", s.client())
                    .with("killToFirstAckMs", Json.range(s.gapMs())).with("kills", ks));
        }
        Map<String, Object> json = Json.object().with("command", "failover").with("started", started.toString())
                .with("elapsedSeconds", elapsed).with("machine", machine)
                .with("loadAverageAtEnd", Machine.loadAverage()).with("systems", describe)
                .with("settings", Json.object().with("kills", kills).with("deadline", Units.duration(deadline))
                        .with("settle", Units.duration(settle)).with("keys", keys).with("valueBytes", common.valueBytes))
                .with("series", rows).with("error", failure == null ? null : String.valueOf(failure.getMessage()));
        Files.writeString(runDir.resolve("results.json"), Json.write(json), StandardCharsets.UTF_8);
        Files.writeString(runDir.resolve("table.md"), table, StandardCharsets.UTF_8);
        System.out.printf("%nresults: %s%ntotal time: %.0f s%n", runDir.resolve("results.json"), elapsed);
        if (failure != null) {
            System.err.println("error: " + failure.getMessage());
            if (System.getenv("RAFTKV_DEBUG") != null) {
                failure.printStackTrace();
            }
            return 1;
        }
        return 0;
    }

    static String table(List<Failover.Series> series) {
        StringBuilder b = new StringBuilder();
        b.append("| system | client | kills | kill → first ack, median | range | errors during the gaps |\n");
        b.append("| --- | --- | --- | --- | --- | --- |\n");
        for (Failover.Series s : series) {
            Stats.Range r = s.gapMs();
            b.append("| ").append(s.system()).append(" | ").append(s.client()).append(" | ").append(s.kills().size())
                    .append(" | ").append(seconds(r.median())).append(" | ").append(seconds(r.min())).append("–")
                    .append(seconds(r.max())).append(" | ").append(Table.errors(s.errors())).append(" |\n");
        }
        return b.toString();
    }

    private static String seconds(double ms) {
        return Double.isNaN(ms) ? "-" : String.format(java.util.Locale.ROOT, "%.2f s", ms / 1000);
    }
}
