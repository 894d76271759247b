package io.raftkv.storage;

import io.raftkv.raft.SnapshotMetadata;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The receiving side of a snapshot transfer. Chunks must arrive in order; each is verified before it is
 * kept, a damaged one is rejected with {@link CorruptChunkException} (ask the sender to resend from
 * {@link #nextChunk()}), a duplicate is ignored. Received chunks are kept in a {@code .part} file, so a
 * transfer interrupted by a network error or a restart resumes from the last good chunk. After the last
 * chunk the whole image is validated, fsynced and renamed: only then can it be installed (by persisting
 * a {@code Ready} whose snapshot has this metadata).
 */
public final class SnapshotReceiver implements AutoCloseable {
    private final SnapshotMetadata metadata;
    private final Path partial;
    private final Path target;
    private final Path dir;
    private FileChannel ch;
    private int next;
    private int chunkSize = -1;
    private boolean complete;

    SnapshotReceiver(SnapshotFiles files, SnapshotMetadata metadata) {
        this.metadata = metadata;
        this.partial = files.partial(metadata);
        this.target = files.image(metadata);
        this.dir = files.dir;
        try {
            if (Files.exists(target)) {
                complete = true;
                return;
            }
            ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            boolean sawLast = recoverPartial();
            if (sawLast) {
                finish();
            }
        } catch (IOException e) {
            throw new StorageException("cannot open snapshot receive file " + partial + ": " + e, e);
        }
    }

    /** Keeps the verified prefix of a partial file left by an earlier attempt; true if it was already complete. */
    private boolean recoverPartial() throws IOException {
        long pos = 0;
        long size = ch.size();
        boolean sawLast = false;
        while (pos + Chunks.HEADER <= size && !sawLast) {
            byte[] h = new byte[Chunks.HEADER];
            read(h, pos);
            int len = Wire.getIntBE(h, 5);
            if (len < 0 || len > Chunks.MAX_CHUNK_SIZE || pos + Chunks.HEADER + len > size) {
                break;
            }
            byte[] f = new byte[Chunks.HEADER + len];
            read(f, pos);
            String[] problem = new String[1];
            Chunks.Header hd = Chunks.verify(f, problem);
            if (hd == null || hd.seq() != next || (!hd.last() && chunkSize >= 0 && len != chunkSize)) {
                break;
            }
            if (chunkSize < 0 && !hd.last()) {
                chunkSize = len;
            }
            sawLast = hd.last();
            pos += f.length;
            next++;
        }
        ch.truncate(pos);
        ch.position(pos);
        return sawLast;
    }

    private void read(byte[] b, long off) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(b);
        while (bb.hasRemaining() && ch.read(bb, off + bb.position()) >= 0) {
            // keep reading
        }
    }

    public SnapshotMetadata metadata() {
        return metadata;
    }

    /** The chunk the sender should send next (0 for a fresh transfer). */
    public synchronized int nextChunk() {
        return next;
    }

    public synchronized boolean isComplete() {
        return complete;
    }

    /**
     * Accepts one framed chunk. Returns true once the image is complete.
     *
     * @throws CorruptChunkException if the chunk is damaged or out of order (nothing was kept)
     * @throws CorruptionException if the complete image fails validation (the transfer starts over)
     */
    public synchronized boolean accept(byte[] frame) {
        if (complete) {
            return true;
        }
        String[] problem = new String[1];
        Chunks.Header h = Chunks.verify(frame, problem);
        if (h == null) {
            throw new CorruptChunkException("snapshot " + metadata.index() + "/" + metadata.term() + ": rejected " + problem[0]
                    + "; resend from chunk " + next);
        }
        if (h.seq() < next) {
            return false;
        }
        if (h.seq() > next) {
            throw new CorruptChunkException("snapshot " + metadata.index() + ": chunk " + h.seq() + " arrived, expected " + next);
        }
        if (!h.last() && chunkSize >= 0 && h.length() != chunkSize) {
            throw new CorruptChunkException("snapshot " + metadata.index() + ": chunk " + h.seq() + " has " + h.length()
                    + " payload bytes, the transfer uses " + chunkSize);
        }
        try {
            ByteBuffer bb = ByteBuffer.wrap(frame);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
        } catch (IOException e) {
            throw new StorageException("cannot write snapshot receive file " + partial + ": " + e, e);
        }
        if (chunkSize < 0 && !h.last()) {
            chunkSize = h.length();
        }
        next++;
        if (h.last()) {
            try {
                finish();
            } catch (IOException e) {
                throw new StorageException("cannot finish snapshot receive file " + partial + ": " + e, e);
            }
        }
        return complete;
    }

    private void finish() throws IOException {
        ch.force(true);
        ch.close();
        try {
            validate(partial, metadata);
        } catch (CorruptionException e) {
            Files.deleteIfExists(partial);
            next = 0;
            chunkSize = -1;
            ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            throw e;
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        SnapshotFiles.fsyncDir(dir);
        complete = true;
    }

    /** Reads the whole image, checking chunks, header and records, without writing anything. */
    static void validate(Path image, SnapshotMetadata expected) throws IOException {
        String src = image.toString();
        try (InputStream fin = new BufferedInputStream(Files.newInputStream(image), 1 << 16)) {
            Chunks.Input ci = new Chunks.Input(fin, src);
            DataInputStream in = new DataInputStream(new BufferedInputStream(ci, 1 << 16));
            SnapshotMetadata m = SnapshotImage.readHeader(in, src);
            if (!m.equals(expected)) {
                throw new CorruptionException("snapshot " + src + " holds " + m + ", expected " + expected);
            }
            SnapshotImage.readRecords(in, src, (cf, k, v) -> { });
            if (in.read() >= 0 || !ci.complete()) {
                throw new CorruptionException("snapshot " + src + " has data after its end record");
            }
        }
    }

    /** Gives up the transfer and deletes what was received. */
    public synchronized void abort() {
        close();
        try {
            Files.deleteIfExists(partial);
        } catch (IOException e) {
            throw new StorageException("cannot delete " + partial, e);
        }
        next = 0;
    }

    /** Stops receiving but keeps the verified chunks for a later resume. */
    @Override
    public synchronized void close() {
        if (ch != null && ch.isOpen()) {
            try {
                ch.close();
            } catch (IOException e) {
                throw new StorageException("cannot close " + partial, e);
            }
        }
    }
}
