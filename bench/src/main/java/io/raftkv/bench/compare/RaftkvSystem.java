package io.raftkv.bench.compare;

import com.google.protobuf.ByteString;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.ReadConsistency;
import io.raftkv.client.Txn;
import io.raftkv.client.TxnOp;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A raftkv cluster started exactly as a user starts one: {@code raftkv local up --dir DIR --fresh} from the
 * command line's jar, which starts the nodes from the server's runnable jar as separate JVMs with the
 * launcher's own JVM flags ({@code ServerLauncher.DEFAULT_JVM_OPTIONS}, or {@code RAFTKV_NODE_JAVA_OPTS}),
 * default server settings (fsync on) and a metrics address each. Restarts use {@code raftkv local restart N}. Pids and ports come from
 * {@code DIR/cluster.properties}, the file those commands keep for each other; SIGKILL is sent here
 * directly, so a failover's clock starts at the kill and not at a CLI JVM's start-up.
 */
final class RaftkvSystem implements SystemUnderTest {
    private static final int NODES = 3;
    private static final Duration CLI_SLACK = Duration.ofSeconds(60);

    private final Path serverJar;
    private final Path cliJar;
    private final Path workDir;
    /** The client sends every request as its own gRPC call (no batch stream). */
    private final boolean unary;
    private Path dir;
    private Properties props = new Properties();
    private final long[] pids = new long[NODES];

    RaftkvSystem(Path serverJar, Path cliJar, Path workDir, boolean unary) {
        for (Path jar : List.of(serverJar, cliJar)) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("the raftkv jar " + jar + " is missing: build it with"
                        + " ./mvnw -q -pl server,cli -am package -DskipTests (bin/raftkv bench does this on first use)");
            }
        }
        this.serverJar = serverJar.toAbsolutePath();
        this.cliJar = cliJar.toAbsolutePath();
        this.workDir = workDir;
        this.unary = unary;
    }

    @Override
    public String name() {
        return "raftkv";
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("server jar", serverJar.toString());
        List<String> launcher = new ArrayList<>(new TreeMap<>(launcherEntries()).values());
        if (!launcher.isEmpty()) {
            d.put("node command", String.join(" ", launcher) + " server ...");
        }
        d.put("settings", "raftkv defaults (100 ms tick, 1 s election timeout, synced log appends)");
        return d;
    }

    private Map<String, String> launcherEntries() {
        Map<String, String> m = new TreeMap<>();
        for (String k : props.stringPropertyNames()) {
            if (k.startsWith("launcher.")) {
                m.put(k, props.getProperty(k));
            }
        }
        return m;
    }

    @Override
    public void start(Duration timeout) {
        close();
        try {
            Files.createDirectories(workDir);
            dir = Files.createTempDirectory(workDir, "raftkv-").toAbsolutePath().normalize();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a cluster directory under " + workDir, e);
        }
        Cleanup.register(this);
        Exec.Output up = cli(timeout.plus(CLI_SLACK), "local", "up", "--dir", dir.toString(), "--fresh",
                "--timeout", timeout.toSeconds() + "s");
        // Read the pids even when 'up' failed: it records them before it waits for a leader.
        loadProps();
        if (!up.ok()) {
            throw new IllegalStateException("raftkv local up failed (exit " + up.exitCode() + "):\n" + up.text());
        }
        awaitLeader(timeout);
    }

    private void loadProps() {
        Path file = dir.resolve("cluster.properties");
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        props = p;
        for (int i = 0; i < NODES; i++) {
            pids[i] = Long.parseLong(props.getProperty("node." + (i + 1) + ".pid", "0"));
        }
    }

    private Exec.Output cli(Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // The CLI process itself only waits and polls: start it fast. Nodes get the launcher's flags.
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar", cliJar.toString()));
        cmd.addAll(List.of(args));
        return Exec.run(cmd, timeout, Map.of("RAFTKV_SERVER_JAR", serverJar.toString()));
    }

    /** The node's data directory: part of its command line, so it identifies the process as ours. */
    private String marker(int node) {
        return dir.resolve("n" + (node + 1)).resolve("data").toString();
    }

    private int port(int node, String kind) {
        String v = props.getProperty("node." + (node + 1) + "." + kind + "-port");
        if (v == null) {
            throw new IllegalStateException("no " + kind + " port for node " + (node + 1) + " in " + dir.resolve("cluster.properties"));
        }
        return Integer.parseInt(v.trim());
    }

    @Override
    public long pid(int node) {
        return dir == null || Processes.ours(pids[node], marker(node)).isEmpty() ? 0 : pids[node];
    }

    @Override
    public int size() {
        return NODES;
    }

    @Override
    public Counters counters(int node) throws IOException {
        return fromMetrics(Prometheus.scrape("http://127.0.0.1:" + port(node, "metrics") + "/metrics", Duration.ofSeconds(2)));
    }

    static Counters fromMetrics(Map<String, Double> m) throws IOException {
        return new Counters(need(m, "raftkv_server_leader_changes_seen_total"),
                need(m, "raftkv_disk_wal_fsync_duration_seconds_count"), need(m, "raftkv_server_commit_index"),
                need(m, "raftkv_server_applied_index"), need(m, "raftkv_server_is_leader") == 1,
                need(m, "raftkv_server_has_leader") == 1);
    }

    static double need(Map<String, Double> m, String name) throws IOException {
        Double v = m.get(name);
        if (v == null) {
            throw new IOException("metric " + name + " is missing (renamed?)");
        }
        return v;
    }

    List<String> endpoints() {
        List<String> eps = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            eps.add("127.0.0.1:" + port(i, "client"));
        }
        return eps;
    }

    @Override
    public Driver connect(Driver.Settings settings) {
        RaftKvClient.Builder b = RaftKvClient.builder().endpoints(endpoints()).batching(!unary);
        if (settings.callDeadline() != null) {
            b.requestTimeout(settings.callDeadline());
            // One attempt may not outlast the call it belongs to.
            if (settings.callDeadline().compareTo(Duration.ofSeconds(2)) < 0) {
                b.attemptTimeout(settings.callDeadline());
            }
        }
        return new KvDriver(b.build(), settings);
    }

    @Override
    public long kill(int node) {
        return Processes.kill(pids[node], marker(node), Duration.ofSeconds(10));
    }

    @Override
    public void restart(int node, Duration timeout) {
        Exec.Output out = cli(timeout.plus(CLI_SLACK), "local", "restart", Integer.toString(node + 1), "--dir", dir.toString(),
                "--timeout", timeout.toSeconds() + "s");
        loadProps();
        if (!out.ok()) {
            throw new IllegalStateException("raftkv local restart " + (node + 1) + " failed:\n" + out.text());
        }
    }

    @Override
    public void close() {
        if (dir == null) {
            return;
        }
        for (int i = 0; i < NODES; i++) {
            Processes.kill(pids[i], marker(i), Duration.ofSeconds(10));
            pids[i] = 0;
        }
        // Nodes a CLI started but could not report (interrupted): found by the unique directory in their command line.
        for (long pid : Processes.withMarker(dir.toString())) {
            Processes.kill(pid, dir.toString(), Duration.ofSeconds(10));
        }
        Cleanup.deleteTree(dir);
        Cleanup.done(this);
        dir = null;
    }

    @Override
    public String toString() {
        return "raftkv cluster in " + dir;
    }

    /** RaftKvClient, one per system, shared by every generator thread. */
    static final class KvDriver implements Driver {
        private final RaftKvClient client;
        private final ByteString[] keys;
        private final ByteString value;

        KvDriver(RaftKvClient client, Driver.Settings s) {
            this.client = client;
            this.keys = new ByteString[s.keys()];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = ByteString.copyFrom(Keys.key(i));
            }
            this.value = ByteString.copyFrom(Keys.value(s.valueBytes()));
        }

        @Override
        public void put(int key) {
            client.put(keys[key], value);
        }

        @Override
        public void get(int key, boolean linearizable) {
            client.get(keys[key], linearizable ? ReadConsistency.LINEARIZABLE : ReadConsistency.SERIALIZABLE);
        }

        @Override
        public void load(int from, int to) {
            Txn t = client.txn();
            for (int i = from; i < to; i++) {
                t.then(TxnOp.put(keys[i], value));
            }
            t.commit();
        }

        @Override
        public String errorKind(Throwable t) {
            while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
                t = t.getCause();
            }
            return t.getClass().getSimpleName();
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
