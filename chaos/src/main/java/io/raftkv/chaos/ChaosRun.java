package io.raftkv.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run: start a cluster, run the workloads while the nemesis follows its plan, heal, let clients go on
 * for the tail, read the set back, stop everything, check the history and write the artifacts.
 */
final class ChaosRun {
    private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);
    private static final DateTimeFormatter DIR_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");

    private ChaosRun() {
    }

    /** The cluster for {@code o.backend()}: where a new backend plugs in. */
    static Cluster newCluster(RunOptions o, Path dir) {
        if (o.backend().equals("local")) {
            return new LocalCluster(new LocalCluster.Settings(o.serverJar(), dir, o.nodes(), o.tick(), o.electionTicks(),
                    o.unsafeLocalReads(), o.javaOpts(), Duration.ofSeconds(60), o.tls()));
        }
        return new DockerCluster(new DockerCluster.Settings(o.serverJar(), dir, o.nodes(), o.tick(), o.electionTicks(),
                o.unsafeLocalReads(), o.javaOpts(), Duration.ofSeconds(90), o.baseImage()));
    }

    static RunResult execute(RunOptions o) {
        Path dir = o.runsDir().resolve(LocalDateTime.now().format(DIR_TIME) + "-seed" + o.seed()
                + (o.unsafeLocalReads() ? "-unsafe" : ""));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + dir, e);
        }
        Duration faultSpan = o.time().minus(o.tail());
        List<Integer> nodeIds = new ArrayList<>();
        for (int i = 1; i <= o.nodes(); i++) {
            nodeIds.add(i);
        }
        NemesisSchedule schedule = NemesisSchedule.plan(o.seed(), o.nemeses(), nodeIds, faultSpan, o.timing(), o.tick());
        LOG.info("chaos run: seed {} ({} faults planned, {} s of faults), artifacts in {}", o.seed(), schedule.steps().size(),
                schedule.faultTime().toSeconds(), dir);
        LOG.info("replay with: {}", o.replayCommand());

        List<String> errors = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        List<Long> pids = new ArrayList<>();
        long startedEpoch = System.currentTimeMillis();
        History history = History.startingNow();
        List<FaultWindow> windows = List.of();
        List<ReturningFollower.Observation> returns = List.of();
        List<NodeExit> exits = List.of();
        ResponseFaults.Counts injected = null;
        long healNanos = 0;
        Cluster cluster = null;
        try (Cluster c = newCluster(o, dir); Clients clients = new Clients(c)) {
            cluster = c;
            nodeIds.forEach(n -> commands.add(c.describe(n)));
            cluster.start();
            awaitLeader(cluster, Duration.ofSeconds(60));
            history = History.startingNow();
            Nemesis nemesis = new Nemesis(cluster, history, schedule, o.opTimeout());
            try (Workloads workloads = Workloads.create(o, cluster, clients, history); NodeWatch watch = new NodeWatch(c)) {
                healNanos = run(o, workloads, nemesis, history, faultSpan, errors);
                windows = nemesis.windows();
                returns = nemesis.returns();
                errors.addAll(nemesis.errors());
                errors.addAll(workloads.finalReads(Duration.ofSeconds(30)));
                injected = workloads.injected();
            } finally {
                // Before close: the docker backend removes its containers (and their states) then.
                exits = cluster.unexpectedExits();
            }
        } catch (RuntimeException e) {
            LOG.error("chaos run failed", e);
            errors.add("harness: " + e);
        } finally {
            if (cluster instanceof LocalCluster local) {
                pids.addAll(local.startedPids());
            }
        }
        long runMillis = (System.currentTimeMillis() - startedEpoch);
        List<Op> ops = history.operations();
        LOG.info("chaos run: {} operations recorded, checking", ops.size());
        LinearizabilityChecker.Result lin = new LinearizabilityChecker(o.checkBudget(),
                Runtime.getRuntime().availableProcessors()).check(ops);
        List<SetChecker.Result> sets = SetChecker.check(ops);
        RunResult result = new RunResult(o, dir, schedule, windows, ops, lin, sets, startedEpoch, runMillis, healNanos, errors,
                commands, pids, CounterChecker.check(ops), exits, returns, injected);
        try {
            HistoryJson.write(dir.resolve("history.jsonl"), ops);
            Files.writeString(dir.resolve("results.json"), ResultsJson.render(result));
            Files.writeString(dir.resolve("report.html"), ReportHtml.render(result));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run's artifacts to " + dir, e);
        }
        LOG.info("chaos run: checks {} lost={} duplicated={} verdict={} ({} ms checking); report {}", result.checks(),
                result.acknowledgedLost(), result.duplicated(), result.verdict(), lin.elapsedMillis(), dir.resolve("report.html"));
        return result;
    }

    /**
     * The workloads under the nemesis's plan, then healing and the quiet tail; returns when the final heal
     * happened (history time). Every exit a node made on its own is on record before healing starts nodes.
     */
    private static long run(RunOptions o, Workloads workloads, Nemesis nemesis, History history, Duration faultSpan,
                            List<String> errors) {
        long start = System.nanoTime();
        workloads.start();
        nemesis.start();
        try {
            // The plan counts fault time, not the time to undo a fault (a killed node's JVM starting
            // takes seconds on a loaded machine): let it finish, so every planned fault happens.
            parkUntil(start + faultSpan.toNanos());
            long cap = start + 3 * faultSpan.toNanos() + TimeUnit.SECONDS.toNanos(60);
            if (!nemesis.awaitFinished(cap)) {
                errors.add("the nemesis did not finish its plan within three times its span; the rest was skipped");
            }
            nemesis.stop();
            nemesis.healAll();
            long healNanos = history.now();
            LOG.info("chaos run: faults over, healed; clients continue for {} s", o.tail().toSeconds());
            parkUntil(System.nanoTime() + o.tail().toNanos());
            return healNanos;
        } finally {
            nemesis.stop();
            workloads.stop();
        }
    }

    private static void awaitLeader(Cluster cluster, Duration within) {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            if (cluster.leader().isPresent()) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new IllegalStateException("no leader within " + within);
    }

    private static void parkUntil(long nanoTime) {
        long wait;
        while ((wait = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }
}
