package io.raftkv.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny {@code bench compare} against real clusters of both systems (1 round, 1 cell, 1 s measured), through
 * the command line as a user runs it: it must measure both, write the run directory, and leave no process
 * or data directory behind. Needs etcd on the PATH; without it the test is skipped and says why.
 */
class CompareIT {
    @BeforeAll
    static void needsEtcd() {
        boolean etcd = Exec.onPath("etcd") != null;
        if (!etcd) {
            System.out.println("CompareIT skipped: etcd is not on the PATH (install it: apt-get install -y etcd-server)");
        }
        assumeTrue(etcd, "etcd is not on the PATH (install it: apt-get install -y etcd-server)");
    }

    private static Path serverJar() {
        String p = System.getProperty("bench.server.jar");
        Path jar = p != null && !p.isBlank() ? Path.of(p) : Path.of("..", "server", "target", "raftkv-server.jar");
        assertTrue(Files.isRegularFile(jar), "the server jar " + jar + " is missing: package the server module first");
        return jar.toAbsolutePath();
    }

    @Test
    void tinyCompareMeasuresBothSystemsAndLeavesNothingBehind(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        Path work = tmp.resolve("work");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int code;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            code = BenchMain.commandLine().execute("compare", "--cells", "put@4", "--rounds", "1", "--round-warmup", "2s",
                    "--idle", "1s", "--warmup", "1s", "--duration", "1s", "--keys", "500", "--out", out.toString(),
                    "--work-dir", work.toString(), "--server-jar", serverJar().toString(), "--cli-jar",
                    Path.of("..", "cli", "target", "raftkv-cli.jar").toAbsolutePath().toString());
        } finally {
            System.setOut(original);
        }
        String printed = stdout.toString(StandardCharsets.UTF_8);
        System.out.println(printed);
        assertEquals(0, code, printed);

        List<String> rows = printed.lines().filter(l -> l.startsWith("| put@4")).toList();
        assertEquals(3, rows.size(), printed);
        assertTrue(rows.get(2).contains("raftkv/etcd"), rows.get(2));

        Path runDir;
        try (Stream<Path> dirs = Files.list(out)) {
            runDir = dirs.findFirst().orElseThrow();
        }
        JsonObject json = JsonParser.parseString(Files.readString(runDir.resolve("results.json"))).getAsJsonObject();
        assertTrue(json.get("error").isJsonNull(), String.valueOf(json.get("error")));
        JsonArray results = json.getAsJsonArray("results");
        assertEquals(2, results.size());
        for (int i = 0; i < 2; i++) {
            JsonObject r = results.get(i).getAsJsonObject();
            String sys = r.get("system").getAsString();
            assertTrue(r.get("ops").getAsLong() > 0, sys + " did some puts");
            assertEquals(0, r.getAsJsonObject("errors").size(), sys + " errors: " + r.get("errors"));
            assertTrue(r.get("serverCpuMsPer1000Ops").getAsDouble() > 0, sys + " CPU was read from /proc");
            for (var rss : r.getAsJsonArray("rssMiBPerNode")) {
                assertTrue(rss.getAsLong() > 1, sys + " RSS of every node was read");
            }
            assertTrue(r.get("entriesPerFsync").getAsDouble() > 0, sys + " fsyncs and commits were read from its metrics");
        }
        assertEquals(List.of("raftkv", "etcd"), List.of(results.get(0).getAsJsonObject().get("system").getAsString(),
                results.get(1).getAsJsonObject().get("system").getAsString()));
        assertTrue(Files.readString(runDir.resolve("chart.svg")).contains("class=\"round\""));
        JsonArray idle = json.getAsJsonArray("idleServerCpuMsPerSecond");
        assertEquals(2, idle.size());
        for (var i : idle) {
            assertTrue(i.getAsJsonObject().get("cpuMsPerSecond").getAsDouble() > 0, "every server burns some CPU idle: " + i);
        }

        // Nothing left: no data directory, no process naming the work directory.
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(List.of(), left.toList());
        }
        assertEquals(List.of(), Processes.withMarker(work.toString()));
    }
}
