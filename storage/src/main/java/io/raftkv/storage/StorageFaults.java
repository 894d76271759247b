package io.raftkv.storage;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * Test shim for the write path of one store (pass it in {@link StoreConfig}). It models three faults:
 *
 * <ul>
 *   <li><b>I/O errors on demand</b>: a write fails before it reaches RocksDB (disk full, EIO), or reaches
 *       the WAL and then reports failure (a failed fsync, whose data may or may not survive).</li>
 *   <li><b>Power loss</b>: every byte of the RocksDB write-ahead log that no synced write covered is
 *       dropped (or, with a random generator, a random prefix of it survives, like a torn page cache
 *       flush). It tracks, after every synced write, the length of each WAL file; because a synced
 *       RocksDB write syncs all live WAL files and the shim serializes writes, that length is exactly
 *       what was durable. Call {@link #dropUnsyncedWrites} after closing the store.</li>
 * </ul>
 *
 * <p>What it does not model: SST files and the MANIFEST (RocksDB syncs them itself before using them),
 * and snapshot files (fsynced and renamed before anything refers to them). If RocksDB switched WAL files
 * after the last synced write, its background flush may have synced data behind the shim's back, so the
 * simulation refuses rather than invent a state a real disk could not produce; tests keep the default
 * 64 MiB write buffer so that does not happen.
 */
public final class StorageFaults {
    private IOException failBefore;
    private int writesUntilFailure = -1;
    private IOException failAfterSync;
    private int writes;
    private Map<String, Long> syncedWalLengths = new HashMap<>();
    private long syncDelayNanos;
    private int delayedSyncs;

    /** Every later write fails with {@code cause} before reaching the disk. */
    public synchronized void failWritesWith(IOException cause) {
        failBefore = cause;
        writesUntilFailure = 0;
    }

    /** The next {@code n} writes succeed, then every write fails with {@code cause} before reaching the disk. */
    public synchronized void failAfterWrites(int n, IOException cause) {
        failBefore = cause;
        writesUntilFailure = n;
    }

    /** The next synced write reaches the WAL but reports {@code cause}, as a failed fsync does. */
    public synchronized void failNextSync(IOException cause) {
        failAfterSync = cause;
    }

    /** Every later synced write takes {@code delay} longer (zero: back to the disk's own pace). */
    public synchronized void delaySyncs(java.time.Duration delay) {
        syncDelayNanos = delay.toNanos();
    }

    /** Synced writes delayed so far (counted once their delay is over). */
    public synchronized int delayedSyncs() {
        return delayedSyncs;
    }

    /**
     * Holds a write that just returned from RocksDB for the delay {@link #delaySyncs} set, if it was synced.
     * Sleeps outside this monitor, so the test can end the stall (for later syncs) while one is held.
     */
    void stallIfDelayed(boolean sync) {
        long delay;
        synchronized (this) {
            delay = sync ? syncDelayNanos : 0;
        }
        if (delay <= 0) {
            return;
        }
        for (long until = System.nanoTime() + delay; until - System.nanoTime() > 0; ) {
            java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
        }
        synchronized (this) {
            delayedSyncs++;
        }
    }

    /** Writes that reached RocksDB so far. */
    public synchronized int writes() {
        return writes;
    }

    synchronized void beforeWrite(boolean sync) throws IOException {
        if (failBefore != null) {
            if (writesUntilFailure == 0) {
                throw new IOException(failBefore.getMessage(), failBefore);
            }
            writesUntilFailure--;
        }
    }

    synchronized void afterWrite(boolean sync, Path dbDir) throws IOException {
        writes++;
        if (!sync) {
            return;
        }
        if (failAfterSync != null) {
            IOException e = failAfterSync;
            failAfterSync = null;
            throw new IOException(e.getMessage(), e);
        }
        Map<String, Long> lengths = new HashMap<>();
        for (Path wal : walFiles(dbDir)) {
            lengths.put(wal.getFileName().toString(), Files.size(wal));
        }
        syncedWalLengths = lengths;
    }

    /** Power loss: drops every WAL byte written after the last synced write. The store must be closed. */
    public synchronized void dropUnsyncedWrites(Path dataDir) throws IOException {
        dropUnsyncedWrites(dataDir, null);
    }

    /**
     * Power loss where, if {@code random} is not null, a random prefix of the unsynced WAL tail survives
     * (possibly cutting a record in half). The store must be closed.
     */
    public synchronized void dropUnsyncedWrites(Path dataDir, RandomGenerator random) throws IOException {
        List<Path> wals = walFiles(dataDir.resolve("db"));
        for (int i = 0; i < wals.size() - 1; i++) {
            Path older = wals.get(i);
            long synced = syncedWalLengths.getOrDefault(older.getFileName().toString(), 0L);
            if (Files.size(older) > synced) {
                throw new IllegalStateException("cannot simulate power loss: WAL " + older + " grew after the last synced"
                        + " write and was closed by a WAL switch, so RocksDB may have synced it itself");
            }
        }
        for (Path wal : wals) {
            long synced = syncedWalLengths.getOrDefault(wal.getFileName().toString(), 0L);
            long size = Files.size(wal);
            if (size > synced) {
                long keep = random == null ? synced : synced + random.nextLong(size - synced + 1);
                try (RandomAccessFile f = new RandomAccessFile(wal.toFile(), "rw")) {
                    f.setLength(keep);
                }
            }
        }
    }

    static List<Path> walFiles(Path dbDir) throws IOException {
        if (!Files.isDirectory(dbDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dbDir)) {
            List<Path> wals = new ArrayList<>(s.filter(p -> p.getFileName().toString().endsWith(".log")).toList());
            // WAL files are named by an increasing number: sort numerically so the newest is last.
            wals.sort(java.util.Comparator.comparingLong(p -> {
                String n = p.getFileName().toString();
                return Long.parseLong(n.substring(0, n.length() - 4));
            }));
            return wals;
        }
    }

    private Runnable onStateCleared;

    /** Runs {@code r} inside every snapshot install, after the old state was cleared and before the image is ingested. */
    public synchronized void whenStateCleared(Runnable r) {
        onStateCleared = r;
    }

    void stateCleared() {
        Runnable r;
        synchronized (this) {
            r = onStateCleared;
        }
        if (r != null) {
            r.run();
        }
    }
}
