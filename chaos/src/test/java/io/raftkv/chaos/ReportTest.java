package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** results.json, history.jsonl and report.html from a small hand-made run with a stale read. */
class ReportTest {
    @TempDir
    Path dir;

    private RunResult run() {
        List<Op> ops = new Histories()
                .write(0, "k", "a", 0, 10, Outcome.OK)
                .write(0, "k", "b", 20, 30, Outcome.OK)
                .read(1, "k", "a", 40, 50)
                .write(2, "k", "c", 45, 1_500, Outcome.INFO)
                .failedRead(3, "k", 60, 70)
                .add(4, "s", "e1", 5, 15, Outcome.OK)
                .add(4, "s", "e2", 16, 25, Outcome.OK)
                .readAll(5, "s", List.of("e2"), 2_000, 2_010)
                .append(6, "c", "t1", 5, 15, Outcome.OK)
                .append(6, "c", "t2", 16, 25, Outcome.OK)
                .readTokens(7, "c", List.of("t1", "t2", "t2"), 2_000, 2_010)
                .ops();
        RunOptions o = RunOptions.defaults(3, Set.of(FaultKind.KILL), Duration.ofSeconds(10), 99, Path.of("server.jar"), dir);
        List<FaultWindow> windows = List.of(new FaultWindow(0, FaultKind.KILL, "killed node <2>", List.of(2), 35_000_000L,
                1_000_000_000L));
        return new RunResult(o, dir, NemesisSchedule.plan(99, o.nemeses(), List.of(1, 2, 3), Duration.ofSeconds(8),
                o.timing(), o.tick()), windows, ops, new LinearizabilityChecker(Duration.ofSeconds(5), 1).check(ops),
                SetChecker.check(ops), 0, 10_000, 1_000_000_000L, List.of(), List.of("java -jar server.jar ..."), List.of(),
                CounterChecker.check(ops), List.of(EXIT), List.of(RETURNED), new ResponseFaults.Counts(3, 1));
    }

    private static final NodeExit EXIT = new NodeExit(2, "pid 42", "exit code 3", java.time.Instant.EPOCH,
            List.of("java.lang.OutOfMemoryError: Java heap space", "Terminating due to java.lang.OutOfMemoryError"));
    private static final ReturningFollower.Observation RETURNED = new ReturningFollower.Observation(3, 1, 2, 4_100, 500,
            6_000, null, 20, 4, List.of(1, 2), 3, List.of(1), 190_000, 200_000, 1_000, 50, 4_200);

    @Test
    void verdictsAndExitCode() {
        RunResult r = run();
        assertEquals(Verdict.INVALID, r.linearizability().verdict());
        assertEquals(1, r.acknowledgedLost());
        assertEquals(1, r.duplicated());
        assertEquals(Verdict.INVALID, r.checks().get("counters_exactly_once"));
        assertEquals(Verdict.INVALID, r.checks().get("no_node_exited_on_its_own"));
        assertEquals(Verdict.INVALID, r.checks().get("returning_follower_kept_leader_and_nodes"));
        assertEquals(Verdict.INVALID, r.verdict());
        assertEquals(1, r.exitCode());
    }

    @Test
    void aRunWithoutAnySuccessProvesNothing() {
        RunResult r = run();
        List<Op> failed = List.of(new Op(0, 0, 1, new Call.Write("k", "v"), Outcome.FAIL, null, 0, 1, "x"));
        RunResult empty = new RunResult(r.options(), dir, r.schedule(), List.of(), failed,
                new LinearizabilityChecker(Duration.ofSeconds(1), 1).check(failed), List.of(), 0, 1, 0, List.of(), List.of(),
                List.of(), List.of(), List.of(), List.of(), null);
        assertEquals(Verdict.VALID, empty.linearizability().verdict());
        assertEquals(Verdict.UNKNOWN, empty.verdict());
        assertEquals(3, empty.exitCode());
    }

    @Test
    void resultsJsonCarriesTheFigures() {
        String json = ResultsJson.render(run());
        for (String expected : List.of("\"linearizable\": false", "\"acknowledged_writes_lost\": 1", "\"seed\": 99",
                "\"key\": \"k\"", "\"lost\": [\n        \"e1\"", "\"kind\": \"kill\"", "\"p99\"", "\"during_faults\"",
                "\"recovery_ms\"", "\"counters_exactly_once\": false", "\"duplicated\": [\n        \"t2\"",
                "\"no_node_exited_on_its_own\": false", "OutOfMemoryError: Java heap space", "\"leadership_kept\": false",
                "\"lag_entries_at_heal\": 4100", "\"answers_lost\": 3", "\"increments_duplicated\": 1")) {
            assertTrue(json.contains(expected), expected + " in\n" + json);
        }
    }

    @Test
    void historyHasAnInvokeAndACompletionPerOperationInTimeOrder() throws Exception {
        RunResult r = run();
        Path file = dir.resolve("history.jsonl");
        HistoryJson.write(file, r.ops());
        List<String> lines = Files.readAllLines(file);
        assertEquals(2 * r.ops().size(), lines.size());
        assertTrue(lines.get(0).startsWith("{\"index\":0,\"type\":\"invoke\",\"op\":0"), lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"type\":\"info\"") && !l.contains("\"value\"")),
                "an info completion carries no value");
        long last = -1;
        for (String l : lines) {
            Matcher m = Pattern.compile("\"time\":(\\d+)").matcher(l);
            assertTrue(m.find(), l);
            long t = Long.parseLong(m.group(1));
            assertTrue(t >= last, "events in time order");
            last = t;
        }
    }

    @Test
    void reportIsSelfContainedWithWellFormedCharts() throws Exception {
        String html = ReportHtml.render(run());
        assertTrue(html.contains("VIOLATION"));
        assertTrue(html.contains("Linearizability violations"));
        assertTrue(html.contains("killed node &lt;2&gt;"), "text is escaped");
        assertTrue(html.contains("Duplicated in c"), "the counter section names the duplicated token");
        assertTrue(html.contains("Nodes that exited on their own") && html.contains("Terminating due to"));
        assertTrue(html.contains("leadership LOST"), "the returning follower's window");
        assertTrue(!html.contains("<script") && !html.contains("src=") && !html.contains("href="), "nothing external");
        Matcher m = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
        int svgs = 0;
        while (m.find()) {
            DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(m.group().getBytes(StandardCharsets.UTF_8)));
            svgs++;
        }
        assertTrue(svgs >= 3, "timeline, latency and the violation's operations: " + svgs);
    }
}
