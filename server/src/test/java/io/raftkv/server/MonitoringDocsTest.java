package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.PutRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules and the dashboard in docs/ must use metrics the server exports (names drift otherwise),
 * and the rules must pass promtool's check and their unit tests. promtool is optional on a developer's
 * machine (the test says why it skips); `.ci/run` provides it and sets RAFTKV_PROMTOOL=required.
 */
class MonitoringDocsTest {
    private static final Path DOCS = Path.of("..", "docs");
    private static final Path RULES = DOCS.resolve("prometheus").resolve("raftkv-alerts.yml");
    private static final Path RULE_TESTS = DOCS.resolve("prometheus").resolve("raftkv-alerts.test.yml");
    private static final Path DASHBOARD = DOCS.resolve("grafana").resolve("raftkv-dashboard.json");
    private static final Pattern NAME = Pattern.compile("\\b((?:raftkv|jvm|process)_[a-z0-9_]+)\\b");

    @TempDir
    Path dir;

    /** Metric names a document refers to, as families (without _bucket, _count, _sum, _total, _info). */
    static TreeSet<String> referenced(Path doc) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        Matcher m = NAME.matcher(Files.readString(doc));
        while (m.find()) {
            out.add(family(m.group(1)));
        }
        return out;
    }

    private static String family(String name) {
        return name.replaceFirst("_(bucket|count|sum|total|info)$", "");
    }

    @Test
    void everyMetricTheRulesAndTheDashboardUseIsExported() throws Exception {
        TreeSet<String> wanted = referenced(RULES);
        wanted.addAll(referenced(DASHBOARD));
        assertTrue(wanted.size() > 20, "the documents refer to metrics: " + wanted);
        try (TestCluster c = new TestCluster(dir, 3, TestCluster.WITH_METRICS)) {
            long leader = c.awaitLeader();
            for (int i = 0; i < 5; i++) {
                c.kv(leader).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))
                        .setValue(ByteString.copyFromUtf8("v")).build());
            }
            c.kv(leader).get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("k1")).build());
            TreeSet<String> exported = new TreeSet<>();
            for (long id : c.servers.keySet()) {
                exported.addAll(families(scrape(c.server(id).metricsPort())));
            }
            List<String> missing = new ArrayList<>();
            for (String name : wanted) {
                if (!exported.contains(name)) {
                    missing.add(name);
                }
            }
            assertEquals(List.of(), missing, "used in docs/ but not exported: " + missing + "; exported: " + exported);
        }
    }

    @Test
    void theAlertRulesPassPromtool() throws Exception {
        String promtool = findPromtool();
        boolean required = "required".equals(System.getenv("RAFTKV_PROMTOOL"));
        if (promtool == null) {
            if (required) {
                throw new AssertionError("RAFTKV_PROMTOOL=required but no promtool on the PATH or in $PROMTOOL");
            }
            Assumptions.abort("promtool not found (install Debian's prometheus package, or set $PROMTOOL)");
        }
        assertEquals("", run(promtool, "check", "rules", RULES.toString()));
        assertEquals("", run(promtool, "test", "rules", RULE_TESTS.toString()));
    }

    private static TreeSet<String> families(String exposition) {
        TreeSet<String> out = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("# TYPE ") || line.startsWith("# HELP ")) {
                out.add(family(line.split(" ")[2]));
            } else if (!line.startsWith("#") && !line.isBlank()) {
                out.add(family(line.split("[{ ]")[0]));
            }
        }
        return out;
    }

    private static String scrape(int port) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String findPromtool() {
        String env = System.getenv("PROMTOOL");
        if (env != null && Files.isExecutable(Path.of(env))) {
            return env;
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(d, "promtool");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** Runs promtool; returns "" on success, else its exit code and output. */
    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out: " + String.join(" ", cmd);
        }
        return p.exitValue() == 0 ? "" : "exit " + p.exitValue() + ": " + out;
    }
}
