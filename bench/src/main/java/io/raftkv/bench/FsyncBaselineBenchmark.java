package io.raftkv.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The disk's own limit, measured like the append benchmark: append {@code bytes} to a file and
 * fdatasync ({@code force(false)}), one writer. Synced appends can only beat this by batching.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 3)
public class FsyncBaselineBenchmark {
    @Param({"256", "4096"})
    int bytes;

    private Path dir;
    private FileChannel ch;
    private ByteBuffer buf;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = BenchDirs.create("fsync");
        ch = FileChannel.open(dir.resolve("data"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        buf = ByteBuffer.allocateDirect(bytes);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        ch.close();
        BenchDirs.delete(dir);
    }

    @Benchmark
    public void writeAndFdatasync() throws IOException {
        buf.clear();
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        ch.force(false);
    }
}
