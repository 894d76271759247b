package io.raftkv.bench;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.storage.LogWrite;
import io.raftkv.storage.RaftStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * The persist thread's hot path: one synced WriteBatch per Ready holding {@code batch} entries of 256 B
 * plus the hard state. The primary score is syncs/s; the {@code entries} counter is entries/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 3)
public class LogAppendBenchmark {
    @Param({"1", "8", "64", "256"})
    int batch;

    @Param("256")
    int entryBytes;

    private Path dir;
    private RaftStore store;
    private long next = 1;
    private byte[] payload;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long entries;
    }

    @Setup(Level.Trial)
    public void open() {
        dir = BenchDirs.create("append");
        store = BenchDirs.open(dir, 1);
        payload = new byte[entryBytes];
    }

    @TearDown(Level.Trial)
    public void close() {
        store.close();
        BenchDirs.delete(dir);
    }

    @Benchmark
    public void appendSynced(Counters c) {
        List<Entry> ents = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            ents.add(Entry.normal(1, next++, payload));
        }
        store.log().write(new LogWrite(Optional.empty(), ents, Optional.of(new HardState(1, 1, next - 1)), true));
        c.entries += batch;
    }
}
