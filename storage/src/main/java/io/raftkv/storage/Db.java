package io.raftkv.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.IngestExternalFileOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one RocksDB instance of a node, its column families, and the single gate every write passes
 * through: that gate turns the first I/O error into a sticky failed state and hosts the fault shim.
 */
final class Db implements AutoCloseable {
    static final String DB_DIR_NAME = "db";
    private static final Logger LOG = LoggerFactory.getLogger(Db.class);

    static {
        RocksDB.loadLibrary();
    }

    enum Cf {
        DEFAULT("default"), RAFT_LOG("raft_log"), RAFT_STATE("raft_state"), STATE_META("state_meta"), KV("kv"),
        SESSIONS("sessions");

        final String name;

        Cf(String name) {
            this.name = name;
        }
    }

    /** The column families that make up the state machine, in snapshot-image order. */
    static final List<Cf> STATE_CFS = List.of(Cf.STATE_META, Cf.KV, Cf.SESSIONS);

    final Path dataDir;
    final Path dbDir;
    private final RocksDB db;
    /**
     * RocksDB's memory, bounded on purpose (issue 11: a node's RSS was 270-360 MiB): one block cache for
     * every column family (by default each gets its own), and the memtables charged against it through a
     * write-buffer manager, so data blocks, index and filter blocks and unflushed writes together stay near
     * {@link #CACHE_BYTES}.
     */
    static final long CACHE_BYTES = 32L << 20;
    static final long MEMTABLE_BYTES = 16L << 20;
    private final org.rocksdb.LRUCache cache = new org.rocksdb.LRUCache(CACHE_BYTES);
    private final org.rocksdb.WriteBufferManager writeBuffers = new org.rocksdb.WriteBufferManager(MEMTABLE_BYTES, cache);
    private final DBOptions dbOptions;
    private final List<ColumnFamilyOptions> cfOptions = new ArrayList<>();
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final WriteOptions syncWrite = new WriteOptions().setSync(true);
    private final WriteOptions asyncWrite = new WriteOptions().setSync(false);
    final ReadOptions readOptions = new ReadOptions().setVerifyChecksums(true);
    private final StorageFaults faults;
    private final ReentrantLock faultLock = new ReentrantLock();
    private volatile Throwable failure;

    Db(Path dataDir, StorageFaults faults) {
        this.dataDir = dataDir;
        this.dbDir = dataDir.resolve(DB_DIR_NAME);
        this.faults = faults;
        this.dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                // A torn record at the end of the WAL (power loss mid-write) is dropped, but damage followed
                // by intact records is refused: point-in-time recovery would silently cut the log there and
                // forget synced entries and votes this node already promised (README "Recovery").
                .setWalRecoveryMode(WALRecoveryMode.TolerateCorruptedTailRecords)
                .setParanoidChecks(true)
                // The WAL already holds everything; flushing at close only slows restarts of tests and nodes.
                .setAvoidFlushDuringShutdown(true)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(4)
                .setWriteBufferManager(writeBuffers)
                .setMaxBackgroundJobs(2);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (Cf cf : Cf.values()) {
            ColumnFamilyOptions o = new ColumnFamilyOptions()
                    // Index and filter blocks live in the cache too, so it bounds them (outside it they grow with the data).
                    .setTableFormatConfig(new org.rocksdb.BlockBasedTableConfig().setBlockCache(cache)
                            .setCacheIndexAndFilterBlocks(true).setPinL0FilterAndIndexBlocksInCache(true))
                    // Flushes happen by the manager's total anyway; a smaller memtable per family flushes sooner.
                    .setWriteBufferSize(cf == Cf.RAFT_LOG || cf == Cf.KV ? 8L << 20 : 2L << 20);
            if (cf == Cf.RAFT_LOG) {
                // Log entries are written once, read mostly from the tail and deleted soon after: compressing
                // them costs CPU on the critical path for little space.
                o.setCompressionType(CompressionType.NO_COMPRESSION);
            }
            cfOptions.add(o);
            descriptors.add(new ColumnFamilyDescriptor(cf.name.getBytes(java.nio.charset.StandardCharsets.US_ASCII), o));
        }
        try {
            java.nio.file.Files.createDirectories(dbDir);
            this.db = RocksDB.open(dbOptions, dbDir.toString(), descriptors, handles);
        } catch (RocksDBException | IOException e) {
            closeOptions();
            String msg = e.getMessage() != null && e.getMessage().contains("Corruption")
                    ? "corrupt RocksDB files in data directory " + dataDir + ": " + e.getMessage()
                    : "cannot open RocksDB in data directory " + dataDir + ": " + e.getMessage();
            if (e.getMessage() != null && e.getMessage().contains("Corruption")) {
                throw new CorruptionException(msg, e);
            }
            throw new StorageException(msg, e);
        }
    }

    RocksDB rocks() {
        return db;
    }

    ColumnFamilyHandle cf(Cf cf) {
        return handles.get(cf.ordinal());
    }

    /** SST files plus memtables over every column family. */
    long sizeBytes() {
        return sizeBytes(List.of(Cf.values()));
    }

    /** SST files plus memtables of {@code cfs}. */
    long sizeBytes(List<Cf> cfs) {
        long n = 0;
        try {
            for (Cf cf : cfs) {
                n += db.getLongProperty(cf(cf), "rocksdb.total-sst-files-size");
                n += db.getLongProperty(cf(cf), "rocksdb.cur-size-all-mem-tables");
            }
        } catch (RocksDBException e) {
            throw readError("database size", e);
        }
        return n;
    }

    /**
     * Flushes and compacts {@code cfs} so that deleted data stops taking space (RocksDB keeps it until a
     * compaction drops it). Runs in the background threads' stead on the caller's thread.
     */
    void compact(List<Cf> cfs) {
        try (org.rocksdb.FlushOptions fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
            for (Cf cf : cfs) {
                db.flush(fo, cf(cf));
                db.compactRange(cf(cf));
            }
        } catch (RocksDBException e) {
            // Not a failure of the write path: on a full disk a compaction may fail for want of space itself.
            throw new StorageException("compaction to reclaim space in " + dataDir + " failed: " + e.getMessage(), e);
        }
    }

    /** The first I/O error of the write path, or null while healthy. */
    Throwable failure() {
        return failure;
    }

    void checkWritable() {
        Throwable f = failure;
        if (f != null) {
            throw new StorageFailedException("storage in data directory " + dataDir + " has failed and accepts no writes: " + f, f);
        }
    }

    void write(WriteBatch batch, boolean sync, String what) {
        writeInternal(() -> db.write(sync ? syncWrite : asyncWrite, batch), sync, what);
    }

    void write(WriteBatchWithIndex batch, boolean sync, String what) {
        writeInternal(() -> db.write(sync ? syncWrite : asyncWrite, batch), sync, what);
    }

    void ingest(Cf cf, List<String> files, String what) {
        writeInternal(() -> {
            try (IngestExternalFileOptions o = new IngestExternalFileOptions().setMoveFiles(true).setAllowBlockingFlush(true)) {
                db.ingestExternalFile(cf(cf), files, o);
            }
        }, false, what);
    }

    /** A snapshot install has cleared the state and is about to ingest the image (a test shim's hook). */
    void stateCleared() {
        if (faults != null) {
            faults.stateCleared();
        }
    }

    interface RocksWrite {
        void run() throws RocksDBException;
    }

    private void writeInternal(RocksWrite w, boolean sync, String what) {
        checkWritable();
        if (faults == null) {
            try {
                w.run();
            } catch (RocksDBException e) {
                throw fail(what, e);
            }
            return;
        }
        // With the shim, writes are serialized so the WAL length observed right after a synced write is
        // exactly what that sync made durable.
        faultLock.lock();
        try {
            faults.beforeWrite(sync);
            w.run();
            faults.afterWrite(sync, dbDir);
            faults.stallIfDelayed(sync);
        } catch (RocksDBException | IOException e) {
            throw fail(what, e);
        } finally {
            faultLock.unlock();
        }
    }

    private StorageFailedException fail(String what, Exception e) {
        synchronized (this) {
            if (failure == null) {
                failure = e;
                LOG.error("storage write path FAILED in {} during {}: {}; no further writes will be accepted", dataDir, what,
                        e.toString());
            }
        }
        return new StorageFailedException("write failed in data directory " + dataDir + " during " + what + ": " + e, failure);
    }

    /** Stops the write path after detecting corrupt data, so the server alarms the same way as for I/O errors. */
    void poison(Throwable cause) {
        synchronized (this) {
            if (failure == null) {
                failure = cause;
                LOG.error("storage in {} stopped: {}", dataDir, cause.getMessage());
            }
        }
    }

    /** Read failures are not I/O errors of the write path; they become corruption or plain storage errors. */
    StorageException readError(String what, RocksDBException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("Corruption") || m.contains("checksum")) {
            return new CorruptionException("corrupt data reading " + what + " in data directory " + dataDir + ": " + m, e);
        }
        return new StorageException("cannot read " + what + " in data directory " + dataDir + ": " + m, e);
    }

    @Override
    public void close() {
        for (ColumnFamilyHandle h : handles) {
            h.close();
        }
        try {
            db.closeE();
        } catch (RocksDBException e) {
            LOG.warn("closing RocksDB in {}: {}", dataDir, e.toString());
        }
        syncWrite.close();
        asyncWrite.close();
        readOptions.close();
        closeOptions();
    }

    private void closeOptions() {
        dbOptions.close();
        for (ColumnFamilyOptions o : cfOptions) {
            o.close();
        }
        writeBuffers.close();
        cache.close();
    }
}
