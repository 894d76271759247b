package io.raftkv.bench;

import com.google.protobuf.ByteString;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.ReadConsistency;
import io.raftkv.server.RaftKvServer;
import io.raftkv.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole write and read path: a 3-node cluster (three servers in the forked JVM, loopback gRPC,
 * RocksDB with synced log writes under {@code -Dbench.dir}) driven by the client library from 16
 * threads. {@code put}: acknowledged writes/s of a value of {@code valueBytes} to one of 1,000 keys
 * (replicated to a majority and applied on the leader); {@code linearizableGet}: ReadIndex reads/s.
 * Everything shares the machine's cores, so on a small box this measures CPU more than the disk.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 10)
@Measurement(iterations = 3, time = 10)
@Threads(16)
public class ClusterBenchmark {
    private static final int KEYS = 1_000;

    @Param({"64", "4096", "65536"})
    int valueBytes;

    private Path dir;
    private final List<RaftKvServer> servers = new ArrayList<>();
    private RaftKvClient client;
    private ByteString value;
    private ByteString[] keys;

    @State(Scope.Thread)
    public static class Cursor {
        final SplittableRandom random = new SplittableRandom(Thread.currentThread().getId());
    }

    @Setup(Level.Trial)
    public void start() {
        dir = BenchDirs.create("cluster");
        int[] ports = freePorts(6);
        TreeMap<Long, String> peers = new TreeMap<>();
        for (long id = 1; id <= 3; id++) {
            peers.put(id, "127.0.0.1:" + ports[(int) (id - 1)]);
        }
        List<String> endpoints = new ArrayList<>();
        for (long id = 1; id <= 3; id++) {
            String clientAddr = "127.0.0.1:" + ports[(int) (id + 2)];
            endpoints.add(clientAddr);
            servers.add(RaftKvServer.start(ServerConfig.of(id, peers, clientAddr, dir.resolve("n" + id))));
        }
        client = RaftKvClient.builder().endpoints(endpoints).requestTimeout(Duration.ofSeconds(10)).build();
        keys = new ByteString[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = ByteString.copyFromUtf8(String.format("bench/%06d", i));
        }
        byte[] v = new byte[valueBytes];
        new SplittableRandom(7).nextBytes(v);
        value = ByteString.copyFrom(v);
        // Every key exists before reads are measured, and the first election is over before writes are.
        List<java.util.concurrent.CompletableFuture<?>> loads = new ArrayList<>();
        for (ByteString k : keys) {
            loads.add(client.putAsync(k, value));
            if (loads.size() == 256) {
                loads.forEach(java.util.concurrent.CompletableFuture::join);
                loads.clear();
            }
        }
        loads.forEach(java.util.concurrent.CompletableFuture::join);
    }

    @TearDown(Level.Trial)
    public void stop() {
        client.close();
        servers.forEach(RaftKvServer::close);
        BenchDirs.delete(dir);
    }

    @Benchmark
    public Object put(Cursor c) {
        return client.putAsync(keys[c.random.nextInt(KEYS)], value).join();
    }

    @Benchmark
    public Object linearizableGet(Cursor c) {
        return client.getAsync(keys[c.random.nextInt(KEYS)], ReadConsistency.LINEARIZABLE).join();
    }

    private static int[] freePorts(int n) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // The port is free again either way.
                }
            }
        }
    }
}
