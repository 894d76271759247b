package io.raftkv.bench;

import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.SnapshotSource;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Writing a snapshot image (chunked, checksummed, fsynced) of {@code keys} keys of 256 B. Score:
 * snapshots/s; {@code bytes}: image bytes/s (divide by 2^20 for MiB/s).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 5)
public class SnapshotCreateBenchmark {
    @Param("100000")
    int keys;

    @Param("256")
    int valueBytes;

    private Path dir;
    private RaftStore store;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long bytes;
    }

    @Setup(Level.Trial)
    public void open() {
        dir = BenchDirs.create("snapcreate");
        store = BenchDirs.open(dir, 1);
        BenchDirs.load(store, keys, valueBytes);
    }

    /** A new applied index, so each create writes a new image rather than finding the last one. */
    @Setup(Level.Invocation)
    public void advance() {
        BenchDirs.appendAndApply(store, List.of());
        BenchDirs.appendAndApply(store, List.of(new io.raftkv.storage.Command.Delete(io.raftkv.storage.Bytes.of("none"))));
    }

    @TearDown(Level.Trial)
    public void close() {
        store.close();
        BenchDirs.delete(dir);
    }

    @Benchmark
    public SnapshotMetadata create(Counters c) {
        SnapshotMetadata meta = store.createSnapshot();
        try (SnapshotSource src = store.openSnapshot(meta)) {
            c.bytes += src.sizeBytes();
        }
        return meta;
    }
}
