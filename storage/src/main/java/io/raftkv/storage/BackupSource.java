package io.raftkv.storage;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.SnapshotMetadata;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.HexFormat;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Produces a backup file (see {@link BackupFormat}) of a live store, piece by piece, at the pace of whoever
 * pulls: the header, then one checksummed chunk per {@link #next()}, then the trailer with the SHA-256 of
 * everything before it. The state is read through one RocksDB snapshot taken by {@link #open}, so the
 * backup is exactly the state machine at one applied index (data, sessions and applied index are written
 * in one batch by apply), and neither apply nor the raft thread ever waits for it.
 *
 * <p>Memory stays at about one chunk plus one record, whatever the state's size: records are read from
 * the iterator only when the previous chunk has been taken. The price of streaming straight from RocksDB is
 * that the snapshot pins old versions of overwritten keys until {@link #close()}; a slow reader makes the
 * database temporarily larger, never inconsistent.
 *
 * <p>Not thread-safe: one thread at a time. It must be closed before the store is closed.
 */
public final class BackupSource implements AutoCloseable {
    private enum Stage { HEADER, IMAGE, TRAILER, DONE }

    private final Db db;
    private final org.rocksdb.Snapshot snapshot;
    private final ReadOptions readOptions;
    private final BackupFormat.Header header;
    private final MessageDigest sha;
    private final ArrayDeque<byte[]> frames = new ArrayDeque<>();
    private final Chunks.Output chunks;
    private final DataOutputStream image;
    private Stage stage = Stage.HEADER;
    private boolean imageHeaderWritten;
    private boolean imageDone;
    private int cfIndex;
    private RocksIterator it;
    private long records;
    private long keys;
    private long sessions;
    private long bytes;
    private String sha256;
    private boolean closed;

    private BackupSource(Db db, org.rocksdb.Snapshot snapshot, ReadOptions readOptions, BackupFormat.Header header,
                         int chunkBytes) {
        this.db = db;
        this.snapshot = snapshot;
        this.readOptions = readOptions;
        this.header = header;
        this.sha = newSha256();
        this.chunks = new Chunks.Output(frames::add, chunkBytes);
        this.image = new DataOutputStream(chunks);
    }

    /**
     * Takes the point-in-time view (cheap: a RocksDB sequence number) and reads the identity and applied
     * state at it.
     *
     * @param chunkBytes   payload bytes per chunk
     * @param linearizable recorded in the header: the caller made sure this state includes every write
     *                     acknowledged before it asked (a ReadIndex on the leader)
     */
    public static BackupSource open(RaftStore store, int chunkBytes, boolean linearizable) {
        if (chunkBytes < 1 || chunkBytes > Chunks.MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunk size " + chunkBytes);
        }
        Db db = store.db();
        org.rocksdb.Snapshot snap = db.rocks().getSnapshot();
        ReadOptions ro = new ReadOptions().setSnapshot(snap).setVerifyChecksums(true).setFillCache(false);
        try {
            String dir = db.dataDir.toString();
            byte[] id = db.rocks().get(db.cf(Db.Cf.DEFAULT), ro, Keys.IDENTITY);
            byte[] a = db.rocks().get(db.cf(Db.Cf.STATE_META), ro, Keys.APPLIED);
            byte[] c = db.rocks().get(db.cf(Db.Cf.STATE_META), ro, Keys.CONF_STATE);
            if (id == null || a == null) {
                throw new IllegalStateException("nothing applied yet in " + dir + ": no state to back up");
            }
            StateCodec.Identity identity = StateCodec.identity(id, new StateCodec.Where(dir, "node identity"));
            StateCodec.IndexTerm applied = StateCodec.indexTerm(a, new StateCodec.Where(dir, "applied index"));
            ConfState conf = c == null ? ConfState.EMPTY : StateCodec.confState(c, new StateCodec.Where(dir, "applied configuration"));
            BackupFormat.Header h = new BackupFormat.Header(identity.clusterId(), identity.nodeId(), applied.index(),
                    applied.term(), System.currentTimeMillis(), linearizable, conf);
            return new BackupSource(db, snap, ro, h, chunkBytes);
        } catch (RocksDBException e) {
            release(db, snap, ro);
            throw db.readError("state for a backup", e);
        } catch (RuntimeException e) {
            release(db, snap, ro);
            throw e;
        }
    }

    private static void release(Db db, org.rocksdb.Snapshot snap, ReadOptions ro) {
        ro.close();
        db.rocks().releaseSnapshot(snap);
        snap.close();
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public long index() {
        return header.index();
    }

    public long term() {
        return header.term();
    }

    public String clusterId() {
        return header.clusterId();
    }

    public long nodeId() {
        return header.nodeId();
    }

    /** Bytes handed out so far. */
    public long bytes() {
        return bytes;
    }

    public long keys() {
        return keys;
    }

    public long sessions() {
        return sessions;
    }

    /** Hex SHA-256 of the file, once the trailer has been handed out; null before. */
    public String sha256() {
        return sha256;
    }

    /**
     * The next piece of the file, to be appended verbatim, or null after the trailer. Each chunk is one
     * piece, so a receiver can verify and keep chunks one by one.
     *
     * @throws CorruptionException if RocksDB finds damaged data on the way (the backup must not be used)
     */
    public byte[] next() {
        if (closed) {
            throw new IllegalStateException("backup source closed");
        }
        byte[] piece;
        switch (stage) {
            case HEADER -> {
                piece = BackupFormat.header(header);
                stage = Stage.IMAGE;
            }
            case IMAGE -> {
                try {
                    while (frames.isEmpty() && advance()) {
                        // each step writes at most one record; a chunk fills after many
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                piece = frames.poll();
                if (imageDone && frames.isEmpty()) {
                    stage = Stage.TRAILER;
                }
            }
            case TRAILER -> {
                byte[] fields = BackupFormat.trailerFields(new BackupFormat.Trailer(chunks.chunks(), chunks.payloadBytes(),
                        records, keys, sessions));
                sha.update(fields);
                byte[] digest = sha.digest();
                sha256 = HexFormat.of().formatHex(digest);
                piece = new byte[fields.length + digest.length];
                System.arraycopy(fields, 0, piece, 0, fields.length);
                System.arraycopy(digest, 0, piece, fields.length, digest.length);
                bytes += piece.length;
                stage = Stage.DONE;
                return piece;
            }
            default -> {
                return null;
            }
        }
        sha.update(piece);
        bytes += piece.length;
        return piece;
    }

    /** Writes the next bit of the image (header, one record, or the end); false once everything is written. */
    private boolean advance() throws IOException {
        if (imageDone) {
            return false;
        }
        if (!imageHeaderWritten) {
            SnapshotImage.writeHeader(image, new SnapshotMetadata(header.index(), header.term(), header.members()));
            imageHeaderWritten = true;
            return true;
        }
        if (it == null) {
            if (cfIndex == Db.STATE_CFS.size()) {
                SnapshotImage.writeEnd(image, records);
                image.flush();
                chunks.finish();
                imageDone = true;
                return true;
            }
            it = db.rocks().newIterator(db.cf(Db.STATE_CFS.get(cfIndex)), readOptions);
            it.seek(Keys.STATE_BEGIN);
        }
        if (!it.isValid()) {
            try {
                it.status();
            } catch (RocksDBException e) {
                throw db.readError("state for a backup", e);
            } finally {
                it.close();
                it = null;
            }
            cfIndex++;
            return true;
        }
        Db.Cf cf = Db.STATE_CFS.get(cfIndex);
        SnapshotImage.writeRecord(image, cf, it.key(), it.value());
        records++;
        if (cf == Db.Cf.KV) {
            keys++;
        } else if (cf == Db.Cf.SESSIONS) {
            sessions++;
        }
        it.next();
        return true;
    }

    /** Releases the RocksDB snapshot (idempotent). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (it != null) {
            it.close();
            it = null;
        }
        release(db, snapshot, readOptions);
    }
}
