package io.raftkv.storage;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rocksdb.EnvOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileWriter;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces the state machine with a received image, crash-atomically, by redo:
 * <ol>
 *   <li>build one SST file per state column family from the image (verifying every chunk and record);
 *       a bad image fails here and nothing changed;</li>
 *   <li>durably record an "install pending" marker naming the image: from now on the node is committed
 *       to the new state;</li>
 *   <li>clear the state column families (range tombstones) and ingest the SSTs;</li>
 *   <li>one synced batch resets the log to the snapshot's index and term, records the snapshot, appends
 *       the Ready's entries and hard state, and removes the marker.</li>
 * </ol>
 * A crash before 2 leaves the old state; after 2, opening the store finds the marker and redoes 1, 3
 * and 4 from the image (kept until the marker is gone), so the result is always old or new, never a mix.
 */
final class SnapshotInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotInstaller.class);

    private SnapshotInstaller() {
    }

    static void install(Db db, LogStore log, KvStateMachine sm, SnapshotFiles files, SnapshotMetadata meta,
                        List<Entry> entries, Optional<HardState> hs) {
        synchronized (sm.lock()) {
            LogStore.View v = log.view();
            if (meta.index() <= v.snapshot().index() && v.snapshot().index() != 0) {
                // Stale (as MemoryStorage.applySnapshot): keep our state, persist the rest of the Ready.
                log.write(new LogWrite(Optional.empty(), entries, hs, true));
                return;
            }
            if (meta.index() <= sm.appliedIndex()) {
                throw new IllegalStateException("snapshot " + meta.index() + " is not ahead of the applied index "
                        + sm.appliedIndex() + ": installing it would roll the state machine back");
            }
            Path image = files.image(meta);
            if (!Files.exists(image)) {
                throw new IllegalStateException("snapshot image " + meta.index() + "/" + meta.term()
                        + " has not been received completely (use RaftStore.receiveSnapshot first)");
            }
            db.checkWritable();
            Map<Db.Cf, Path> ssts = buildSsts(files, image, meta);
            try (WriteBatch b = new WriteBatch()) {
                b.put(db.cf(Db.Cf.RAFT_STATE), Keys.INSTALL_PENDING, marker(meta));
                db.write(b, true, "snapshot install marker " + meta.index());
            } catch (RocksDBException e) {
                throw new StorageException("cannot build install marker batch", e);
            }
            // Until the new state is whole, client reads see the old one (not the cleared, half-ingested mix).
            sm.freezeReads();
            try {
                replaceState(db, ssts);
                log.writeWith(new LogWrite(Optional.of(meta), entries, hs, true),
                        b -> deleteMarker(db, b), "snapshot install " + meta.index());
                sm.reload();
            } finally {
                sm.thawReads();
            }
            cleanStaging(files, meta);
            LOG.info("installed snapshot {}/{} in {}", meta.index(), meta.term(), db.dataDir);
        }
    }

    /** Finishes an install a crash interrupted; called on open before anything reads the state. */
    static void recoverIfPending(Db db, LogStore log, KvStateMachine sm, SnapshotFiles files) {
        byte[] m;
        try {
            m = db.rocks().get(db.cf(Db.Cf.RAFT_STATE), db.readOptions, Keys.INSTALL_PENDING);
        } catch (RocksDBException e) {
            throw db.readError("install marker", e);
        }
        if (m == null) {
            return;
        }
        StateCodec.Where where = new StateCodec.Where(db.dataDir.toString(), "snapshot install marker");
        long index;
        long term;
        try {
            Wire.Reader r = StateCodec.open(m, where);
            index = r.i64();
            term = r.i64();
        } catch (Wire.MalformedException e) {
            throw StateCodec.malformed(where, e);
        }
        Path image = files.dir.resolve(SnapshotFiles.baseName(index, term) + SnapshotFiles.IMAGE);
        if (!Files.exists(image)) {
            throw new CorruptionException("an interrupted snapshot install needs image " + image + " in data directory "
                    + db.dataDir + ", which is missing: restore this node from a peer or a backup");
        }
        SnapshotMetadata meta;
        try (InputStream fin = new BufferedInputStream(Files.newInputStream(image), 1 << 16)) {
            meta = SnapshotImage.readHeader(new DataInputStream(new Chunks.Input(fin, image.toString())), image.toString());
        } catch (IOException e) {
            throw new StorageException("cannot read " + image + ": " + e, e);
        }
        LOG.warn("redoing interrupted install of snapshot {}/{} in {}", index, term, db.dataDir);
        synchronized (sm.lock()) {
            Map<Db.Cf, Path> ssts = buildSsts(files, image, meta);
            replaceState(db, ssts);
            log.writeWith(new LogWrite(Optional.of(meta), List.of(), Optional.empty(), true),
                    b -> deleteMarker(db, b), "redo of snapshot install " + index);
            sm.reload();
            cleanStaging(files, meta);
        }
    }

    private static byte[] marker(SnapshotMetadata meta) {
        return StateCodec.seal(new Wire.Writer(32).u8(1).i64(meta.index()).i64(meta.term()));
    }

    private static void deleteMarker(Db db, WriteBatch b) {
        try {
            b.delete(db.cf(Db.Cf.RAFT_STATE), Keys.INSTALL_PENDING);
        } catch (RocksDBException e) {
            throw new StorageException("cannot build install batch", e);
        }
    }

    private static Map<Db.Cf, Path> buildSsts(SnapshotFiles files, Path image, SnapshotMetadata meta) {
        Path staging = files.staging(meta);
        Map<Db.Cf, SstFileWriter> writers = new EnumMap<>(Db.Cf.class);
        Map<Db.Cf, Path> paths = new EnumMap<>(Db.Cf.class);
        String src = image.toString();
        try (EnvOptions env = new EnvOptions(); Options opts = new Options();
             InputStream fin = new BufferedInputStream(Files.newInputStream(image), 1 << 16)) {
            SnapshotFiles.deleteTree(staging);
            Files.createDirectories(staging);
            Chunks.Input ci = new Chunks.Input(fin, src);
            DataInputStream in = new DataInputStream(new BufferedInputStream(ci, 1 << 16));
            SnapshotMetadata m = SnapshotImage.readHeader(in, src);
            if (!m.equals(meta)) {
                throw new CorruptionException("snapshot " + src + " holds " + m + ", expected " + meta);
            }
            SnapshotImage.readRecords(in, src, (cf, k, v) -> {
                try {
                    SstFileWriter w = writers.get(cf);
                    if (w == null) {
                        w = new SstFileWriter(env, opts);
                        Path p = staging.resolve(cf.name + ".sst");
                        w.open(p.toString());
                        writers.put(cf, w);
                        paths.put(cf, p);
                    }
                    w.put(k, v);
                } catch (RocksDBException e) {
                    throw new IOException("cannot write SST for " + cf.name + ": " + e.getMessage(), e);
                }
            });
            if (in.read() >= 0 || !ci.complete()) {
                throw new CorruptionException("snapshot " + src + " has data after its end record");
            }
            for (SstFileWriter w : writers.values()) {
                w.finish();
            }
            return paths;
        } catch (RocksDBException | IOException e) {
            throw new StorageException("cannot stage snapshot " + src + " for install: " + e, e);
        } finally {
            for (SstFileWriter w : writers.values()) {
                w.close();
            }
        }
    }

    private static void replaceState(Db db, Map<Db.Cf, Path> ssts) {
        try (WriteBatch b = new WriteBatch()) {
            for (Db.Cf cf : Db.STATE_CFS) {
                b.deleteRange(db.cf(cf), Keys.STATE_BEGIN, Keys.STATE_END);
            }
            // Synced although the marker already makes this redoable: ingesting flushes the memtable, and
            // a flush syncs older WAL files on its own; syncing here keeps what is durable at every step
            // equal to what our writes made durable (which the power-loss shim relies on), for one fsync.
            db.write(b, true, "clearing state for snapshot install");
        } catch (RocksDBException e) {
            throw new StorageException("cannot build state clearing batch", e);
        }
        db.stateCleared();
        for (Map.Entry<Db.Cf, Path> e : ssts.entrySet()) {
            db.ingest(e.getKey(), List.of(e.getValue().toString()), "ingesting snapshot into " + e.getKey().name);
        }
    }

    private static void cleanStaging(SnapshotFiles files, SnapshotMetadata meta) {
        try {
            SnapshotFiles.deleteTree(files.staging(meta));
        } catch (IOException e) {
            LOG.warn("cannot delete staging directory {}: {}", files.staging(meta), e.toString());
        }
    }
}
