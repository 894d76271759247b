package io.raftkv.bench;

import io.raftkv.raft.Entry;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.Command;
import io.raftkv.storage.CommandCodec;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.Request;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
 * The apply thread: committed entries, each a Put of a 256 B value to one of 100,000 keys, applied in
 * batches (one unsynced WriteBatch each, with the applied index). Score: batches/s; {@code entries}: entries/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 3)
public class ApplyBenchmark {
    @Param({"1", "64"})
    int batch;

    private Path dir;
    private RaftStore store;
    private long next = 1;
    private byte[][] payloads;
    private int cursor;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long entries;
    }

    @Setup(Level.Trial)
    public void open() {
        dir = BenchDirs.create("apply");
        store = BenchDirs.open(dir, 1);
        SplittableRandom rnd = new SplittableRandom(1);
        payloads = new byte[4096][];
        byte[] value = new byte[256];
        for (int i = 0; i < payloads.length; i++) {
            Bytes key = Bytes.of(String.format("key/%08d", rnd.nextInt(100_000)));
            payloads[i] = CommandCodec.encode(Request.of(new Command.Put(key, Bytes.copyOf(value))));
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        store.close();
        BenchDirs.delete(dir);
    }

    @Benchmark
    public Object apply(Counters c) {
        List<Entry> ents = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            ents.add(Entry.normal(1, next++, payloads[cursor++ & (payloads.length - 1)]));
        }
        c.entries += batch;
        return store.stateMachine().apply(ents, Map.of());
    }
}
