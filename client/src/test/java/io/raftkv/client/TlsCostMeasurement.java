package io.raftkv.client;

import io.raftkv.server.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * What TLS costs (issue 13), measured only on request: {@code -Dtls.cost=true}. {@code bench compare} starts its
 * clusters with {@code raftkv local up}, which has no TLS flags yet, so this is a small stand-in with the same
 * shape: three node processes from the server jar with {@code local up}'s JVM flags and default server settings
 * (fsync on), one client object shared by 64 threads in this JVM, 256-byte values over 10,000 preloaded keys, a
 * 10 s warm-up per fresh cluster, then per cell 5 s of warm-up and 10 s measured. TLS means every port: client
 * certificates required and mutual TLS between nodes. Rounds alternate which mode runs first.
 *
 * <pre>./mvnw -q -pl server,client -am package -DskipTests
 * ./mvnw -q -pl server,client -am test -Dtest=TlsCostMeasurement -Dtls.cost=true -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
@EnabledIfSystemProperty(named = "tls.cost", matches = "true")
class TlsCostMeasurement {
    private static final int THREADS = 64;
    private static final int KEYS = 10_000;
    private static final String VALUE = "v".repeat(256);

    @TempDir
    Path dir;

    @Test
    void putAndLinearizableGetWithAndWithoutTls() throws Exception {
        Path jar = Path.of(System.getProperty("tls.cost.jar", "../server/target/raftkv-server.jar")).toAbsolutePath();
        int rounds = Integer.getInteger("tls.cost.rounds", 2);
        List<String> rows = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            for (boolean tls : round % 2 == 1 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                rows.addAll(measure(jar, tls, round));
            }
        }
        System.out.println("| round | mode | cell | ops/s | p50 ms | p99 ms | errors |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
    }

    private List<String> measure(Path jar, boolean tls, int round) throws Exception {
        Path root = Files.createDirectories(dir.resolve((tls ? "tls-" : "plain-") + round));
        TestPki pki = TestPki.create(root.resolve("pki"), "bench");
        int[] ports = io.raftkv.server.ServerTestSupport.freePorts(6);
        String members = "1=127.0.0.1:" + ports[0] + ",2=127.0.0.1:" + ports[1] + ",3=127.0.0.1:" + ports[2];
        List<Process> nodes = new ArrayList<>();
        List<String> endpoints = new ArrayList<>();
        try {
            for (int id = 1; id <= 3; id++) {
                endpoints.add("127.0.0.1:" + ports[2 + id]);
                nodes.add(start(jar, root, id, members, ports[2 + id], tls ? pki : null));
            }
            TestPki.Issued app = pki.client("bench");
            RaftKvClient.Builder b = RaftKvClient.builder().endpoints(endpoints).requestTimeout(Duration.ofSeconds(10));
            try (RaftKvClient client = (tls ? b.tls(pki.caFile(), app.certFile(), app.keyFile()) : b).build()) {
                run(client, THREADS, Duration.ofSeconds(30), true, KEYS); // preload: every key once, then stop
                run(client, THREADS, Duration.ofSeconds(10), true, 0);
                run(client, THREADS, Duration.ofSeconds(10), false, 0);
                List<String> out = new ArrayList<>();
                for (boolean puts : new boolean[] {true, false}) {
                    run(client, THREADS, Duration.ofSeconds(5), puts, 0);
                    Result r = run(client, THREADS, Duration.ofSeconds(10), puts, 0);
                    out.add(String.format(Locale.ROOT, "| %d | %s | %s | %,.0f | %.2f | %.2f | %d |", round,
                            tls ? "mTLS on both ports" : "plaintext", puts ? "put@64" : "get-lin@64", r.opsPerSecond,
                            r.p50Millis, r.p99Millis, r.errors));
                }
                return out;
            }
        } finally {
            for (Process p : nodes) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    private static Process start(Path jar, Path root, int id, String members, int clientPort, TestPki pki) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-jar", jar.toString(), "server",
                "--id", Integer.toString(id), "--initial-cluster", members, "--client-addr", "127.0.0.1:" + clientPort,
                "--data-dir", root.resolve("n" + id).toString()));
        if (pki != null) {
            TestPki.Issued server = pki.server("server-" + id);
            TestPki.Issued member = pki.member(id);
            cmd.addAll(List.of("--cert-file", server.certFile().toString(), "--key-file", server.keyFile().toString(),
                    "--trusted-ca-file", pki.caFile().toString(), "--client-cert-auth",
                    "--peer-cert-file", member.certFile().toString(), "--peer-key-file", member.keyFile().toString(),
                    "--peer-trusted-ca-file", pki.caFile().toString()));
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(root.resolve("n" + id + ".log").toFile()).start();
    }

    private record Result(double opsPerSecond, double p50Millis, double p99Millis, long errors) {
    }

    /** {@code threads} closed loops of puts or linearizable gets for {@code time}; with {@code keys} > 0, each key once. */
    private static Result run(RaftKvClient client, int threads, Duration time, boolean puts, int keys) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong next = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        List<Thread> all = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            long[] mine = new long[1 << 16];
            latencies.add(mine);
            Thread th = new Thread(() -> {
                int n = 0;
                while (!stop.get() && n < mine.length - 1) {
                    long k = keys > 0 ? next.getAndIncrement() : ThreadLocalRandom.current().nextInt(KEYS);
                    if (keys > 0 && k >= keys) {
                        break;
                    }
                    long t0 = System.nanoTime();
                    try {
                        if (puts) {
                            client.put("key-" + k, VALUE);
                        } else {
                            client.get("key-" + k);
                        }
                        mine[++n] = System.nanoTime() - t0;
                    } catch (RaftKvException e) {
                        errors.incrementAndGet();
                    }
                }
                mine[0] = n;
            });
            all.add(th);
            th.start();
        }
        long until = start + time.toNanos();
        for (Thread th : all) {
            th.join(Math.max(1, (until - System.nanoTime()) / 1_000_000));
        }
        stop.set(true);
        for (Thread th : all) {
            th.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long count = latencies.stream().mapToLong(l -> l[0]).sum();
        long[] merged = new long[(int) count];
        int i = 0;
        for (long[] l : latencies) {
            System.arraycopy(l, 1, merged, i, (int) l[0]);
            i += (int) l[0];
        }
        Arrays.sort(merged);
        return new Result(count / seconds, pct(merged, 0.50), pct(merged, 0.99), errors.get());
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
    }
}
