package io.raftkv.storage;

import io.raftkv.raft.SnapshotMetadata;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Reading a backup file (format in {@link BackupFormat}): every check a restore relies on, in one pass
 * with constant memory. Errors are {@link CorruptionException}s that name the file and where the damage
 * is (the chunk and its byte offset, the header, the trailer).
 */
public final class BackupFile {
    private BackupFile() {
    }

    /**
     * Verifies the header, every chunk's CRC32C and sequence, every record of the image, the trailer's
     * counts and the whole-file SHA-256.
     *
     * @throws CorruptionException naming the file and the damaged place, or the format problem
     * @throws StorageException    if the file cannot be read
     */
    public static BackupInfo verify(Path file) {
        return read(file, (cf, k, v) -> { });
    }

    /** As {@link #verify}, handing every record to {@code sink} on the way (so only a fully verified file may be used). */
    static BackupInfo read(Path file, SnapshotImage.RecordSink sink) {
        String what = "backup file " + file;
        try (InputStream fin = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            long size = Files.size(file);
            MessageDigest sha = BackupSource.newSha256();
            Digesting din = new Digesting(fin, sha);
            BackupFormat.Header h = BackupFormat.readHeader(din, what);
            Chunks.Input ci = new Chunks.Input(din, what, din.count);
            DataInputStream in = new DataInputStream(new BufferedInputStream(ci, 1 << 16));
            SnapshotMetadata m = SnapshotImage.readHeader(in, what);
            if (m.index() != h.index() || m.term() != h.term() || !m.confState().equals(h.members())) {
                throw new CorruptionException(what + ": its image holds " + m + " but its header says index " + h.index()
                        + ", term " + h.term());
            }
            long[] counts = new long[2];
            long records = SnapshotImage.readRecords(in, what, (cf, k, v) -> {
                if (cf == Db.Cf.KV) {
                    counts[0]++;
                } else if (cf == Db.Cf.SESSIONS) {
                    counts[1]++;
                }
                sink.accept(cf, k, v);
            });
            if (in.read() >= 0 || !ci.lastChunkConsumed()) {
                throw new CorruptionException(what + ": chunk " + (ci.chunks() - 1) + " has data after the image's end record");
            }
            long trailerAt = din.count;
            byte[] fields = din.readNBytes(BackupFormat.TRAILER_FIELDS);
            if (fields.length < BackupFormat.TRAILER_FIELDS) {
                throw new CorruptionException(what + " is truncated: it ends at byte offset " + din.count + ", inside or before"
                        + " its trailer (expected " + BackupFormat.TRAILER_BYTES + " bytes at byte offset " + trailerAt + ")");
            }
            BackupFormat.Trailer t = BackupFormat.readTrailerFields(fields, what, trailerAt);
            byte[] computed = sha.digest();
            byte[] recorded = fin.readNBytes(32);
            if (recorded.length < 32) {
                throw new CorruptionException(what + " is truncated inside its trailer's SHA-256 (file has " + size + " bytes)");
            }
            if (fin.read() >= 0) {
                throw new CorruptionException(what + " has extra bytes after its trailer (the backup ends at byte offset "
                        + (trailerAt + BackupFormat.TRAILER_BYTES) + ", the file has " + size + " bytes)");
            }
            HexFormat hex = HexFormat.of();
            if (!MessageDigest.isEqual(computed, recorded)) {
                // Every chunk passed its CRC, so the damage is in the trailer (or the file was altered consistently).
                throw new CorruptionException(what + ": whole-file SHA-256 mismatch: the content hashes to "
                        + hex.formatHex(computed) + " but the trailer at byte offset " + trailerAt + " records "
                        + hex.formatHex(recorded));
            }
            if (t.chunks() != ci.chunks() || t.records() != records || t.keys() != counts[0] || t.sessions() != counts[1]) {
                throw new CorruptionException(what + ": trailer says " + t.chunks() + " chunks, " + t.records() + " records, "
                        + t.keys() + " keys, " + t.sessions() + " sessions but the file holds " + ci.chunks() + ", " + records
                        + ", " + counts[0] + ", " + counts[1]);
            }
            return new BackupInfo(BackupFormat.VERSION, h.clusterId(), h.nodeId(), h.index(), h.term(), h.members(),
                    h.createdMillis(), h.linearizable(), ci.chunks(), records, counts[0], counts[1], size,
                    hex.formatHex(recorded));
        } catch (NoSuchFileException e) {
            throw new StorageException("backup file " + file + " does not exist");
        } catch (IOException e) {
            throw new StorageException("cannot read " + what + ": " + e, e);
        }
    }

    /** Counts and digests exactly the bytes its reader consumes (buffering sits below it, never above). */
    private static final class Digesting extends InputStream {
        private final InputStream in;
        private final MessageDigest sha;
        long count;

        Digesting(InputStream in, MessageDigest sha) {
            this.in = in;
            this.sha = sha;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                sha.update((byte) b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                sha.update(b, off, n);
                count += n;
            }
            return n;
        }
    }
}
