package io.raftkv.storage;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.SnapshotMetadata;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Writes an image of the state column families as they are at one RocksDB snapshot (a sequence number:
 * taking it costs nothing and blocks no writer), so apply keeps running while the image is written.
 */
final class SnapshotWriter {
    private SnapshotWriter() {
    }

    record Created(SnapshotMetadata metadata, Path file, long payloadBytes, int chunks) {
    }

    static Created write(Db db, SnapshotFiles files, int chunkSize) {
        org.rocksdb.Snapshot rs = db.rocks().getSnapshot();
        try (ReadOptions ro = new ReadOptions().setSnapshot(rs).setVerifyChecksums(true).setFillCache(false)) {
            String dir = db.dataDir.toString();
            byte[] a = db.rocks().get(db.cf(Db.Cf.STATE_META), ro, Keys.APPLIED);
            byte[] c = db.rocks().get(db.cf(Db.Cf.STATE_META), ro, Keys.CONF_STATE);
            if (a == null) {
                throw new IllegalStateException("nothing applied yet in " + dir + ": no state to snapshot");
            }
            StateCodec.IndexTerm applied = StateCodec.indexTerm(a, new StateCodec.Where(dir, "applied index"));
            ConfState conf = c == null ? ConfState.EMPTY : StateCodec.confState(c, new StateCodec.Where(dir, "applied configuration"));
            SnapshotMetadata meta = new SnapshotMetadata(applied.index(), applied.term(), conf);
            Path target = files.image(meta);
            if (Files.exists(target)) {
                // Same index means same state on every replica: an existing image is this one.
                return new Created(meta, target, Files.size(target), -1);
            }
            Path tmp = files.temp(meta.index(), meta.term());
            long records = 0;
            Chunks.Output co;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                co = new Chunks.Output(ch, chunkSize);
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(co, 1 << 16));
                SnapshotImage.writeHeader(out, meta);
                for (Db.Cf cf : Db.STATE_CFS) {
                    try (RocksIterator it = db.rocks().newIterator(db.cf(cf), ro)) {
                        for (it.seek(Keys.STATE_BEGIN); it.isValid(); it.next()) {
                            SnapshotImage.writeRecord(out, cf, it.key(), it.value());
                            records++;
                        }
                        it.status();
                    }
                }
                SnapshotImage.writeEnd(out, records);
                out.flush();
                co.finish();
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            SnapshotFiles.fsyncDir(files.dir);
            return new Created(meta, target, co.payloadBytes(), co.chunks());
        } catch (RocksDBException e) {
            throw db.readError("state for a snapshot", e);
        } catch (IOException e) {
            throw new StorageException("cannot write snapshot image in " + files.dir + ": " + e, e);
        } finally {
            db.rocks().releaseSnapshot(rs);
            rs.close();
        }
    }
}
