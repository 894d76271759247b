package io.raftkv.bench.compare;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An etcd 3.4 cluster of three {@code etcd} processes on 127.0.0.1 with etcd's defaults (fsync on, 100 ms
 * heartbeat, 1 s election timeout, the same timing as raftkv's defaults), each with its own metrics address
 * ({@code --listen-metrics-urls}). A restarted member reuses its data directory and rejoins.
 */
final class EtcdSystem implements SystemUnderTest {
    private static final int NODES = 3;

    private final Path etcd;
    private final Path workDir;
    private final String version;
    private Path dir;
    private final Process[] procs = new Process[NODES];
    private final int[] clientPorts = new int[NODES];
    private final int[] peerPorts = new int[NODES];
    private final int[] metricsPorts = new int[NODES];
    private String token;

    EtcdSystem(Path etcd, Path workDir) {
        this.etcd = etcd;
        this.workDir = workDir;
        this.version = EtcdBinary.version(etcd);
    }

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("binary", etcd + " (" + version + ")");
        d.put("settings", "etcd defaults (fsync on, 100 ms heartbeat, 1 s election timeout, snapshot-count 100000)");
        return d;
    }

    @Override
    public void start(Duration timeout) {
        close();
        try {
            Files.createDirectories(workDir);
            dir = Files.createTempDirectory(workDir, "etcd-").toAbsolutePath().normalize();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a cluster directory under " + workDir, e);
        }
        Cleanup.register(this);
        int[] ports = freePorts(3 * NODES);
        for (int i = 0; i < NODES; i++) {
            clientPorts[i] = ports[i];
            peerPorts[i] = ports[NODES + i];
            metricsPorts[i] = ports[2 * NODES + i];
        }
        token = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < NODES; i++) {
            launch(i);
        }
        try {
            awaitLeader(timeout);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\n" + logTails(), e);
        }
    }

    private List<String> command(int i) {
        List<String> peers = new ArrayList<>();
        for (int j = 0; j < NODES; j++) {
            peers.add("n" + (j + 1) + "=http://127.0.0.1:" + peerPorts[j]);
        }
        return List.of(etcd.toString(), "--name", "n" + (i + 1), "--data-dir", dataDir(i).toString(),
                "--listen-client-urls", "http://127.0.0.1:" + clientPorts[i],
                "--advertise-client-urls", "http://127.0.0.1:" + clientPorts[i],
                "--listen-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                "--listen-metrics-urls", "http://127.0.0.1:" + metricsPorts[i],
                "--initial-cluster", String.join(",", peers), "--initial-cluster-token", token,
                "--initial-cluster-state", "new", "--logger", "zap", "--log-outputs", "stderr");
    }

    private Path dataDir(int i) {
        return dir.resolve("n" + (i + 1)).resolve("data");
    }

    private Path log(int i) {
        return dir.resolve("n" + (i + 1)).resolve("etcd.log");
    }

    private void launch(int i) {
        try {
            Files.createDirectories(dataDir(i).getParent());
            ProcessBuilder pb = new ProcessBuilder(command(i)).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log(i).toFile()));
            // Only our flags: an ETCD_* variable in the caller's environment would change the settings.
            pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
            procs[i] = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + etcd, e);
        }
    }

    private String logTails() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < NODES; i++) {
            try {
                List<String> lines = Files.readAllLines(log(i));
                b.append("--- etcd node ").append(i).append(" (").append(log(i)).append(", last lines) ---\n");
                lines.subList(Math.max(0, lines.size() - 8), lines.size()).forEach(l -> b.append(l).append('\n'));
            } catch (IOException e) {
                b.append("(no log for node ").append(i).append(")\n");
            }
        }
        return b.toString();
    }

    @Override
    public long pid(int node) {
        Process p = procs[node];
        return p != null && p.isAlive() ? p.pid() : 0;
    }

    @Override
    public int size() {
        return NODES;
    }

    @Override
    public Counters counters(int node) throws IOException {
        return fromMetrics(Prometheus.scrape("http://127.0.0.1:" + metricsPorts[node] + "/metrics", Duration.ofSeconds(2)));
    }

    static Counters fromMetrics(Map<String, Double> m) throws IOException {
        return new Counters(RaftkvSystem.need(m, "etcd_server_leader_changes_seen_total"),
                RaftkvSystem.need(m, "etcd_disk_wal_fsync_duration_seconds_count"),
                RaftkvSystem.need(m, "etcd_server_proposals_committed_total"),
                RaftkvSystem.need(m, "etcd_server_proposals_applied_total"),
                RaftkvSystem.need(m, "etcd_server_is_leader") == 1, RaftkvSystem.need(m, "etcd_server_has_leader") == 1);
    }

    @Override
    public Driver connect(Driver.Settings settings) {
        List<String> eps = new ArrayList<>();
        for (int p : clientPorts) {
            eps.add("http://127.0.0.1:" + p);
        }
        return new EtcdDriver(Client.builder().endpoints(eps.toArray(new String[0])).build(), settings);
    }

    @Override
    public long kill(int node) {
        Process p = procs[node];
        long sent = System.nanoTime();
        if (p != null) {
            p.destroyForcibly();
            sent = System.nanoTime();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("etcd node " + node + " (pid " + p.pid() + ") survived SIGKILL for 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            procs[node] = null;
        }
        return sent;
    }

    @Override
    public void restart(int node, Duration timeout) {
        kill(node);
        launch(node);
        Poll.until(timeout, "answer from restarted etcd node " + node, () -> {
            if (pid(node) == 0) {
                throw new IllegalStateException("restarted etcd node " + node + " exited\n" + logTails());
            }
            try {
                counters(node);
                return Poll.done(true);
            } catch (IOException e) {
                return Poll.notYet(e.getMessage());
            }
        });
    }

    @Override
    public void close() {
        if (dir == null) {
            return;
        }
        for (int i = 0; i < NODES; i++) {
            kill(i);
        }
        Cleanup.deleteTree(dir);
        Cleanup.done(this);
        dir = null;
    }

    @Override
    public String toString() {
        return "etcd cluster in " + dir;
    }

    static int[] freePorts(int n) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket();
                held.add(s);
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free ports on 127.0.0.1", e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // never accepted anything
                }
            }
        }
    }

    /** jetcd's Client with its defaults (round-robin over the endpoints; any member serves every request). */
    static final class EtcdDriver implements Driver {
        private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

        private final Client client;
        private final KV kv;
        private final ByteSequence[] keys;
        private final ByteSequence value;
        private final long timeoutNanos;
        private final String timeoutKind;

        EtcdDriver(Client client, Driver.Settings s) {
            this.client = client;
            this.kv = client.getKVClient();
            this.keys = new ByteSequence[s.keys()];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = ByteSequence.from(Keys.key(i));
            }
            this.value = ByteSequence.from(Keys.value(s.valueBytes()));
            Duration t = s.callDeadline() != null ? s.callDeadline() : Driver.Settings.SAFETY_TIMEOUT;
            this.timeoutNanos = t.toNanos();
            this.timeoutKind = "timeout after " + Units.duration(t);
        }

        private void await(CompletableFuture<?> f) throws Exception {
            try {
                f.get(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                throw e;
            }
        }

        @Override
        public void put(int key) throws Exception {
            await(kv.put(keys[key], value));
        }

        @Override
        public void get(int key, boolean linearizable) throws Exception {
            await(kv.get(keys[key], linearizable ? GetOption.DEFAULT : SERIALIZABLE));
        }

        @Override
        public void load(int from, int to) throws Exception {
            Op[] ops = new Op[to - from];
            for (int i = from; i < to; i++) {
                ops[i - from] = Op.put(keys[i], value, PutOption.DEFAULT);
            }
            await(kv.txn().Then(ops).commit());
        }

        @Override
        public String errorKind(Throwable t) {
            while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
                t = t.getCause();
            }
            if (t instanceof TimeoutException) {
                return timeoutKind;
            }
            if (t instanceof EtcdException e) {
                return "EtcdException(" + e.getErrorCode() + ")";
            }
            if (t instanceof StatusRuntimeException e) {
                return "StatusRuntimeException(" + e.getStatus().getCode() + ")";
            }
            return t.getClass().getSimpleName();
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
