package io.raftkv.storage;

import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The sending side of a snapshot transfer: random access to the checksummed chunks of a finished image,
 * so a transfer can resume at whatever {@link SnapshotReceiver#nextChunk()} the peer reports. Each chunk
 * is verified before it leaves, so local damage is reported here instead of at the peer. The open file
 * stays readable even if a newer snapshot makes the store delete it meanwhile.
 */
public final class SnapshotSource implements AutoCloseable {
    private final Path file;
    private final SnapshotMetadata metadata;
    private final FileChannel ch;
    private final long size;
    private final int frameSize;
    private final int chunkCount;

    private SnapshotSource(Path file, SnapshotMetadata metadata, FileChannel ch) throws IOException {
        this.file = file;
        this.metadata = metadata;
        this.ch = ch;
        this.size = ch.size();
        byte[] h = new byte[Chunks.HEADER];
        readFully(h, 0);
        int len = Wire.getIntBE(h, 5);
        if (len < 0 || len > Chunks.MAX_CHUNK_SIZE) {
            throw new CorruptionException("snapshot image " + file + " has a damaged first chunk header");
        }
        this.frameSize = Chunks.HEADER + len;
        boolean firstIsLast = h[4] == 1;
        this.chunkCount = firstIsLast ? 1 : (int) ((size + frameSize - 1) / frameSize);
        if (firstIsLast ? size != frameSize : size - (long) (chunkCount - 1) * frameSize < Chunks.HEADER) {
            throw new CorruptionException("snapshot image " + file + " has an impossible size " + size + " for chunks of " + frameSize);
        }
    }

    static SnapshotSource open(Path file, SnapshotMetadata metadata) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            return new SnapshotSource(file, metadata, ch);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the open already failed; report that
                }
            }
            if (e instanceof StorageException se) {
                throw se;
            }
            throw new StorageException("cannot open snapshot image " + file + ": " + e, e);
        }
    }

    public SnapshotMetadata metadata() {
        return metadata;
    }

    public int chunkCount() {
        return chunkCount;
    }

    public long sizeBytes() {
        return size;
    }

    /** Chunk {@code seq} as framed bytes, ready to send. */
    public byte[] chunk(int seq) {
        if (seq < 0 || seq >= chunkCount) {
            throw new IndexOutOfBoundsException("chunk " + seq + " of " + chunkCount);
        }
        long off = (long) seq * frameSize;
        int len = (int) Math.min(frameSize, size - off);
        byte[] f = new byte[len];
        try {
            readFully(f, off);
        } catch (IOException e) {
            throw new StorageException("cannot read snapshot image " + file + ": " + e, e);
        }
        String[] problem = new String[1];
        Chunks.Header h = Chunks.verify(f, problem);
        if (h == null || h.seq() != seq || h.last() != (seq == chunkCount - 1)) {
            throw new CorruptionException("snapshot image " + file + " is corrupt at chunk " + seq + ": "
                    + (h == null ? problem[0] : "wrong sequence or last flag"));
        }
        return f;
    }

    private void readFully(byte[] b, long off) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(b);
        while (bb.hasRemaining()) {
            if (ch.read(bb, off + bb.position()) < 0) {
                throw new CorruptionException("snapshot image " + file + " is truncated at " + (off + bb.position()));
            }
        }
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException e) {
            throw new StorageException("cannot close " + file, e);
        }
    }
}
