package io.raftkv.bench;

import io.raftkv.raft.HardState;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.Command;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.SnapshotReceiver;
import io.raftkv.storage.SnapshotSource;
import java.nio.file.Path;
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
 * Installing a received image on a follower: verify every chunk, build SST files, ingest, reset the
 * log, all crash-atomic. The transfer (chunk copy between two stores) happens untimed in the setup.
 * Score: installs/s; {@code bytes}: image bytes/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 5)
public class SnapshotInstallBenchmark {
    @Param("100000")
    int keys;

    @Param("256")
    int valueBytes;

    private Path leaderDir;
    private Path followerDir;
    private RaftStore leader;
    private RaftStore follower;
    private SnapshotMetadata meta;
    private long size;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long bytes;
    }

    @Setup(Level.Trial)
    public void open() {
        leaderDir = BenchDirs.create("leader");
        followerDir = BenchDirs.create("follower");
        leader = BenchDirs.open(leaderDir, 1);
        follower = BenchDirs.open(followerDir, 2);
        BenchDirs.load(leader, keys, valueBytes);
    }

    @Setup(Level.Invocation)
    public void receive() {
        BenchDirs.appendAndApply(leader, List.of(new Command.Delete(Bytes.of("none"))));
        meta = leader.createSnapshot();
        try (SnapshotSource src = leader.openSnapshot(meta); SnapshotReceiver rcv = follower.receiveSnapshot(meta)) {
            for (int k = rcv.nextChunk(); k < src.chunkCount(); k++) {
                rcv.accept(src.chunk(k));
            }
            size = src.sizeBytes();
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        leader.close();
        follower.close();
        BenchDirs.delete(leaderDir);
        BenchDirs.delete(followerDir);
    }

    @Benchmark
    public long install(Counters c) {
        follower.persist(BenchDirs.ready(List.of(), new HardState(1, 1, meta.index()), Optional.of(new Snapshot(meta, null))));
        c.bytes += size;
        return follower.stateMachine().appliedIndex();
    }
}
