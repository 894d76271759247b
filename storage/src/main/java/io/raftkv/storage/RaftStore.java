package io.raftkv.storage;

import io.raftkv.raft.HardState;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one node keeps on disk, in one data directory: the Raft log and hard state
 * ({@link #log()}, the core's {@code Storage}), the KV state machine ({@link #stateMachine()}) and
 * snapshot images. The server uses it from three threads: the raft thread reads {@link #log()}, the
 * persist thread calls {@link #persist}, the apply thread calls {@link KvStateMachine#apply}; snapshot
 * creation and transfers may run on other threads.
 */
public final class RaftStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftStore.class);
    static final int FORMAT_VERSION = 1;

    private final StoreConfig config;
    private final Db db;
    private final KvStateMachine sm;
    private final LogStore log;
    private final SnapshotFiles snapshots;
    private final Incarnations incarnations;
    private final Object snapshotLock = new Object();

    private RaftStore(StoreConfig config, Db db) {
        this.config = config;
        this.db = db;
        this.snapshots = new SnapshotFiles(config.dataDir());
        boolean fresh = checkIdentity();
        this.incarnations = new Incarnations(db, fresh);
        this.sm = new KvStateMachine(db);
        this.log = new LogStore(db, () -> new LogStore.AppliedConf(sm.applied().index(), sm.applied().confState()),
                config.verifyLogOnOpen());
        SnapshotInstaller.recoverIfPending(db, log, sm, snapshots);
        bootstrap();
        reconcile();
        try {
            snapshots.cleanAtOpen();
        } catch (IOException e) {
            throw new StorageException("cannot clean snapshot directory " + snapshots.dir + ": " + e, e);
        }
    }

    /**
     * Opens (creating on first use) the store in {@code config.dataDir()}.
     *
     * @throws DataDirMismatchException if the directory belongs to another node or cluster
     * @throws CorruptionException if stored data fails its checks
     */
    public static RaftStore open(StoreConfig config) {
        Db db = new Db(config.dataDir(), config.faults());
        try {
            return new RaftStore(config, db);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    private boolean checkIdentity() {
        StateCodec.Where where = new StateCodec.Where(config.dataDir().toString(), "node identity");
        byte[] v;
        try {
            v = db.rocks().get(db.cf(Db.Cf.DEFAULT), db.readOptions, Keys.IDENTITY);
        } catch (RocksDBException e) {
            throw db.readError("node identity", e);
        }
        if (v == null) {
            try (WriteBatch b = new WriteBatch()) {
                b.put(db.cf(Db.Cf.DEFAULT), Keys.IDENTITY,
                        StateCodec.identity(new StateCodec.Identity(FORMAT_VERSION, config.nodeId(), config.clusterId())));
                db.write(b, true, "node identity");
            } catch (RocksDBException e) {
                throw new StorageException("cannot build identity batch", e);
            }
            LOG.info("initialised data directory {} for node {} of cluster {}", config.dataDir(), config.nodeId(), config.clusterId());
            return true;
        }
        StateCodec.Identity id = StateCodec.identity(v, where);
        if (id.nodeId() != config.nodeId() || !id.clusterId().equals(config.clusterId())) {
            throw new DataDirMismatchException("data directory " + config.dataDir() + " belongs to node " + id.nodeId()
                    + " of cluster '" + id.clusterId() + "', but this process is node " + config.nodeId() + " of cluster '"
                    + config.clusterId() + "': refusing to start (wrong --data-dir?)");
        }
        if (id.formatVersion() != FORMAT_VERSION) {
            throw new StorageException("data directory " + config.dataDir() + " has storage format " + id.formatVersion()
                    + ", this build reads format " + FORMAT_VERSION);
        }
        return false;
    }

    /** Nothing was ever written but the identity (a crash right after it must not leave a member without a config). */
    private boolean uninitialized() {
        LogStore.View v = log.view();
        return v.snapshot().index() == 0 && v.lastIndex() == 0 && sm.appliedIndex() == 0 && v.hardState().isEmpty();
    }

    /**
     * Writes the founding configuration exactly as {@link MemoryStorage#bootstrap} does: a snapshot at
     * index 1, term 1 holding the configuration and an empty state, with the log compacted through it. A
     * node added later receives this (or a newer) snapshot first, so it must exist as an image to stream.
     *
     * <p>Both steps are idempotent and checked on every open: the synced batch is written while the store
     * is uninitialized and initial members are given; the image whenever the founding snapshot is still
     * the state machine's state and its image is missing (a crash after the batch but before the image's
     * rename leaves only a {@code .tmp}). Redoing the batch instead would reset a vote cast since.
     */
    private void bootstrap() {
        if (config.initialMembers() != null && uninitialized()) {
            writeBootstrapBatch();
        }
        SnapshotMetadata snap = log.view().snapshot();
        KvStateMachine.AppliedState applied = sm.applied();
        if (snap.index() == MemoryStorage.BOOTSTRAP_INDEX && applied.index() == snap.index() && applied.term() == snap.term()
                && !Files.exists(snapshots.image(snap))) {
            SnapshotMetadata written = SnapshotWriter.write(db, snapshots, config.snapshotChunkBytes()).metadata();
            if (!written.equals(snap)) {
                throw new StorageException("bootstrap image " + written + " in " + snapshots.dir + " disagrees with the recorded snapshot " + snap);
            }
            LOG.info("wrote bootstrap snapshot image in {}", snapshots.dir);
        }
    }

    private void writeBootstrapBatch() {
        SnapshotMetadata m = MemoryStorage.bootstrapSnapshot(config.initialMembers()).metadata();
        StateCodec.IndexTerm point = new StateCodec.IndexTerm(m.index(), m.term());
        try (WriteBatch b = new WriteBatch()) {
            b.put(db.cf(Db.Cf.STATE_META), Keys.CONF_STATE, StateCodec.confState(m.confState()));
            b.put(db.cf(Db.Cf.STATE_META), Keys.APPLIED, StateCodec.indexTerm(point));
            b.put(db.cf(Db.Cf.RAFT_STATE), Keys.COMPACTION_POINT, StateCodec.indexTerm(point));
            b.put(db.cf(Db.Cf.RAFT_STATE), Keys.SNAPSHOT_META, StateCodec.snapshotMeta(m));
            b.put(db.cf(Db.Cf.RAFT_STATE), Keys.HARD_STATE, StateCodec.hardState(MemoryStorage.bootstrapHardState()));
            db.write(b, true, "bootstrap configuration");
        } catch (RocksDBException e) {
            throw new StorageException("cannot build bootstrap batch", e);
        }
        sm.reload();
        log.reload();
        LOG.info("bootstrapped data directory {} with members {}", config.dataDir(), m.confState().voters());
    }

    /**
     * Cross-checks the log against the state machine after a crash. State-machine batches are not synced
     * and race the persist thread's hard-state writes, so the applied index may be ahead of the stored
     * commit index: those entries were committed (only committed entries are applied), so the commit
     * index is raised durably. An applied index beyond the log means synced log data was lost.
     */
    private void reconcile() {
        LogStore.View v = log.view();
        long applied = sm.appliedIndex();
        if (applied > v.lastIndex()) {
            throw new CorruptionException("state machine in data directory " + config.dataDir() + " has applied index " + applied
                    + " but the Raft log ends at " + v.lastIndex() + ": synced log entries were lost; refusing to start");
        }
        if (applied > v.hardState().commit()) {
            HardState hs = v.hardState();
            LOG.info("raising stored commit index {} to applied index {} in {}", hs.commit(), applied, config.dataDir());
            log.write(LogWrite.hardState(new HardState(hs.term(), hs.vote(), applied), true));
        }
    }

    public LogStore log() {
        return log;
    }

    /** This directory's incarnation and the ones seen of each peer. */
    public Incarnations incarnations() {
        return incarnations;
    }

    /**
     * Deletes the store a start just created in {@code dataDir} (its database and snapshot directories),
     * for a start that is refused after opening: the directory is left as empty as it was found.
     */
    public static void deleteNewStore(Path dataDir) throws IOException {
        SnapshotFiles.deleteTree(dataDir.resolve(Db.DB_DIR_NAME));
        SnapshotFiles.deleteTree(dataDir.resolve(SnapshotFiles.DIR_NAME));
    }

    /** Whether {@code dataDir} holds no store yet (starting there would initialise a new one). */
    public static boolean isEmpty(Path dataDir) {
        return !Files.exists(dataDir.resolve(Db.DB_DIR_NAME));
    }

    public KvStateMachine stateMachine() {
        return sm;
    }

    /** The raw database, for this package: backups read it directly, tests damage or inspect it. */
    Db db() {
        return db;
    }

    public Path dataDir() {
        return config.dataDir();
    }

    /**
     * Proves the disk still takes a synced write (a liveness probe): writes a small record outside the
     * replicated state. A failure stops the write path exactly as a failed log write would, and is
     * reported by {@link #failure()}.
     */
    public void probeWrite() {
        db.checkWritable();
        try (WriteBatch b = new WriteBatch()) {
            b.put(db.cf(Db.Cf.DEFAULT), Keys.HEALTH_PROBE, StateCodec.longValue(System.currentTimeMillis()));
            db.write(b, true, "health probe");
        } catch (RocksDBException e) {
            throw new StorageException("cannot build health probe batch", e);
        }
    }

    /**
     * Bytes the database holds (SST files and memtables of every column family): what fills the disk, and
     * what the space quota counts. Cheap (RocksDB keeps these numbers).
     */
    public long sizeBytes() {
        return db.sizeBytes();
    }

    /** Bytes the replicated state holds (keys, values, sessions and their metadata): what the space quota counts. */
    public long stateSizeBytes() {
        return db.sizeBytes(Db.STATE_CFS);
    }

    /** Bytes left on the disk of the data directory, for the node's own writes. */
    public long diskFreeBytes() {
        try {
            return Files.getFileStore(config.dataDir()).getUsableSpace();
        } catch (IOException e) {
            throw new StorageException("cannot read the free space of " + config.dataDir() + ": " + e, e);
        }
    }

    /**
     * Makes deleted keys stop taking space now (flush and compact the state and the log), instead of at
     * RocksDB's next compaction: what clears a space alarm after the operator deleted data.
     */
    public void reclaimSpace() {
        List<Db.Cf> cfs = new java.util.ArrayList<>(Db.STATE_CFS);
        cfs.add(Db.Cf.RAFT_LOG);
        db.compact(cfs);
    }

    /** The first I/O error or corruption that stopped the write path, if any (for health checks and alarms). */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(db.failure());
    }

    /**
     * Persists what a {@link Ready} asks for: its snapshot (installing the received image, see
     * {@link #receiveSnapshot}), then its entries, then its hard state, as one synced batch when
     * {@code mustSync}. Returns only once durable; on failure nothing of it may be acknowledged.
     */
    public void persist(Ready rd) {
        Optional<Snapshot> snap = rd.snapshot().filter(s -> !s.isEmpty());
        if (snap.isPresent()) {
            SnapshotInstaller.install(db, log, sm, snapshots, snap.get().metadata(), rd.entries(), rd.hardState());
            synchronized (snapshotLock) {
                retainSnapshots();
            }
        } else if (!rd.entries().isEmpty() || rd.hardState().isPresent()) {
            log.write(new LogWrite(Optional.empty(), rd.entries(), rd.hardState(), rd.mustSync()));
        }
    }

    /**
     * Writes an image of the state machine at its current applied index (without blocking apply), records
     * it as the newest snapshot and deletes images beyond {@code snapshotsToKeep}. The log is not compacted
     * here: the caller decides how many entries to keep for slow followers ({@link #compactLog}).
     */
    public SnapshotMetadata createSnapshot() {
        synchronized (snapshotLock) {
            SnapshotWriter.Created c = SnapshotWriter.write(db, snapshots, config.snapshotChunkBytes());
            if (c.metadata().index() > log.view().snapshot().index()) {
                log.recordSnapshot(c.metadata());
            }
            retainSnapshots();
            return c.metadata();
        }
    }

    /** Discards log entries up to {@code index}, which the newest snapshot must cover. */
    public void compactLog(long index) {
        log.compact(index);
    }

    /** Opens the newest image for sending, if it is the one {@code meta} names. */
    public SnapshotSource openSnapshot(SnapshotMetadata meta) {
        Path p = snapshots.image(meta);
        if (!Files.exists(p)) {
            throw new IllegalStateException("no snapshot image " + meta.index() + "/" + meta.term() + " in " + snapshots.dir);
        }
        return SnapshotSource.open(p, meta);
    }

    /** Starts or resumes receiving the image {@code meta} names (see {@link SnapshotReceiver}). */
    public SnapshotReceiver receiveSnapshot(SnapshotMetadata meta) {
        synchronized (snapshotLock) {
            return new SnapshotReceiver(snapshots, meta);
        }
    }

    private void retainSnapshots() {
        try {
            snapshots.retain(config.snapshotsToKeep(), Set.of(snapshots.image(log.view().snapshot())));
        } catch (IOException e) {
            LOG.warn("cannot delete old snapshots in {}: {}", snapshots.dir, e.toString());
        }
    }

    /** Closes RocksDB without flushing memtables: the WAL holds everything, as after a crash. */
    @Override
    public void close() {
        sm.close();
        db.close();
    }
}
