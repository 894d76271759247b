package io.raftkv.cli;

import io.raftkv.client.RaftKvClient;
import io.raftkv.client.RaftKvException;
import io.raftkv.client.Session;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * What the runbook drills need besides bin/raftkv: polling, /readyz and /metrics (what a load balancer and
 * Prometheus see), a tampered store, a "new" server jar, a writer.
 */
final class DrillSupport {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private DrillSupport() {
    }

    /** Polls {@code condition} until it holds; fails naming {@code what} after {@code max}. */
    static void await(Duration max, String what, BooleanSupplier condition) {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + max.toSeconds() + " s waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    static LocalCluster cluster(Path dir) {
        return LocalCluster.load(dir).orElseThrow(() -> new AssertionError("no local cluster in " + dir));
    }

    /** An HTTP answer; code -1 when nothing answers. */
    record Answer(int code, String body) {
    }

    /** {@code curl http://127.0.0.1:PORT/readyz}: what a load balancer sees. */
    static Answer readyz(LocalCluster.Node n) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.metricsPort() + "/readyz"))
                    .timeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body().trim());
        } catch (IOException e) {
            return new Answer(-1, "curl: (7) Failed to connect to 127.0.0.1 port " + n.metricsPort() + ": Connection refused");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static void awaitReady(LocalCluster.Node n) {
        await(Duration.ofSeconds(60), "node " + n.id() + " /readyz 200", () -> readyz(n).code() == 200);
    }

    /**
     * One series of the node's Prometheus exposition as an alert rule reads it, e.g.
     * {@code raftkv_server_alarm{type="corrupt"}}: its line, or "" when the node does not answer (Prometheus:
     * {@code up == 0}).
     */
    static String metricLine(LocalCluster.Node n, String series) {
        String body;
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(n.metricsUrl())).timeout(Duration.ofSeconds(5)).build();
            body = HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return body.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("node " + n.id() + " exports no " + series));
    }

    /** The value of {@link #metricLine}; NaN when the node does not answer. */
    static double value(String metricLine) {
        return metricLine.isEmpty() ? Double.NaN : Double.parseDouble(metricLine.substring(metricLine.lastIndexOf(' ') + 1));
    }

    /** Swaps the stored records of two keys in the {@code kv} column family: both still decode, the state differs. */
    static void swapValues(Path db, String a, String b) {
        RocksDB.loadLibrary();
        List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (Options o = new Options()) {
            for (byte[] name : RocksDB.listColumnFamilies(o, db.toString())) {
                cfs.add(new ColumnFamilyDescriptor(name));
            }
            try (DBOptions dbo = new DBOptions(); RocksDB r = RocksDB.open(dbo, db.toString(), cfs, handles)) {
                ColumnFamilyHandle kv = handles.get(indexOf(cfs, "kv"));
                // Stored keys are the user's key after a one-byte prefix (storage's Keys.kvKey).
                byte[] ka = null;
                byte[] kb = null;
                try (RocksIterator it = r.newIterator(kv)) {
                    for (it.seekToFirst(); it.isValid(); it.next()) {
                        String user = new String(it.key(), 1, it.key().length - 1, StandardCharsets.UTF_8);
                        ka = user.equals(a) ? it.key() : ka;
                        kb = user.equals(b) ? it.key() : kb;
                    }
                }
                if (ka == null || kb == null) {
                    throw new AssertionError("no record of " + (ka == null ? a : b) + " in " + db);
                }
                byte[] va = r.get(kv, ka);
                r.put(kv, ka, r.get(kv, kb));
                r.put(kv, kb, va);
                r.flushWal(true);
            }
        } catch (RocksDBException e) {
            throw new AssertionError("cannot tamper with " + db, e);
        } finally {
            handles.forEach(ColumnFamilyHandle::close);
        }
    }

    private static int indexOf(List<ColumnFamilyDescriptor> cfs, String name) {
        for (int i = 0; i < cfs.size(); i++) {
            if (new String(cfs.get(i).getName(), StandardCharsets.UTF_8).equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no column family " + name);
    }

    /** {@code rm -rf DIR}: a member's lost disk. */
    static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of the server jar that calls itself {@code version}: the "new release" of the upgrade drill. */
    static Path serverJarCalled(String version, Path target) {
        Path jar = BinRaftkv.ROOT.resolve("server/target/raftkv-server.jar");
        try {
            Files.copy(jar, target, StandardCopyOption.REPLACE_EXISTING);
            try (FileSystem zip = FileSystems.newFileSystem(target, Map.of())) {
                Files.writeString(zip.getPath("/raftkv-version.properties"), "version=" + version + "\n", StandardCharsets.UTF_8);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Exactly-once writes, one every 100 ms, through a session of the client library: a client that keeps
     * working while operators restart nodes. Records what was acknowledged and what failed.
     */
    static final class Writer implements AutoCloseable {
        private final RaftKvClient client;
        private final Thread thread;
        private final List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
        private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private volatile boolean stop;

        Writer(List<String> endpoints, String prefix) {
            client = RaftKvClient.builder().endpoints(endpoints).requestTimeout(Duration.ofSeconds(30)).build();
            thread = new Thread(() -> write(prefix), "drill-writer");
            thread.start();
        }

        private void write(String prefix) {
            try (Session s = client.session()) {
                for (int i = 0; !stop; i++) {
                    String key = prefix + i;
                    try {
                        s.put(key, "v" + i);
                        acknowledged.add(key);
                    } catch (RaftKvException e) {
                        failures.add(key + ": " + e);
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            } catch (RaftKvException e) {
                failures.add("session: " + e);
            }
        }

        List<String> acknowledged() {
            return List.copyOf(acknowledged);
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        /** The first three failures and how many there were: enough to see why, short enough to read. */
        String someFailures() {
            List<String> all = failures();
            return all.size() + " failed, first: " + all.subList(0, Math.min(3, all.size()));
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(TimeUnit.SECONDS.toMillis(60));
            client.close();
        }
    }
}
