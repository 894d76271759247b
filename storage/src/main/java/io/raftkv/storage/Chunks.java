package io.raftkv.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Framing of snapshot images into checksummed chunks. Every chunk but the last carries exactly
 * {@code chunkSize} payload bytes, so chunk {@code k} starts at {@code k * (HEADER + chunkSize)}: a sender
 * can resume anywhere without an index, and a receiver can verify and keep each chunk on its own.
 *
 * <pre>
 *  0  sequence number (4)
 *  4  flags (1): bit 0 = last chunk
 *  5  payload length (4)
 *  9  CRC32C over bytes 0..9 and the payload (4)
 * 13  payload
 * </pre>
 *
 * The payload bytes of all chunks, concatenated, form the image (see {@link SnapshotImage}).
 */
final class Chunks {
    private Chunks() {
    }

    static final int HEADER = 13;
    static final int MAX_CHUNK_SIZE = 64 << 20;

    record Header(int seq, boolean last, int length) {
    }

    static byte[] frame(int seq, boolean last, byte[] payload, int len) {
        byte[] f = new byte[HEADER + len];
        Wire.putIntBE(f, 0, seq);
        f[4] = (byte) (last ? 1 : 0);
        Wire.putIntBE(f, 5, len);
        System.arraycopy(payload, 0, f, HEADER, len);
        Wire.putIntBE(f, 9, crc(f, len));
        return f;
    }

    private static int crc(byte[] f, int len) {
        CRC32C c = new CRC32C();
        c.update(f, 0, 9);
        c.update(f, HEADER, len);
        return (int) c.getValue();
    }

    /** Parses and verifies a whole frame; returns null with {@code problem[0]} set when it is damaged. */
    static Header verify(byte[] f, String[] problem) {
        if (f.length < HEADER) {
            problem[0] = "chunk of " + f.length + " bytes is shorter than its header";
            return null;
        }
        int len = Wire.getIntBE(f, 5);
        if (len < 0 || len != f.length - HEADER || (f[4] & ~1) != 0) {
            problem[0] = "chunk header damaged (length " + len + ", frame " + f.length + " bytes, flags " + f[4] + ")";
            return null;
        }
        if (crc(f, len) != Wire.getIntBE(f, 9)) {
            problem[0] = "CRC32C checksum mismatch (the chunk claims sequence " + Wire.getIntBE(f, 0) + ")";
            return null;
        }
        return new Header(Wire.getIntBE(f, 0), f[4] == 1, len);
    }

    /** Where {@link Output} hands each finished frame. */
    interface FrameSink {
        void frame(byte[] frame) throws IOException;
    }

    /** Writes a payload stream as chunks to a file channel, or to any {@link FrameSink} (a backup stream). */
    static final class Output extends OutputStream {
        private final FrameSink sink;
        private final byte[] buf;
        private int pos;
        private int seq;
        private long payloadBytes;

        Output(FileChannel ch, int chunkSize) {
            this(f -> {
                ByteBuffer bb = ByteBuffer.wrap(f);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
            }, chunkSize);
        }

        Output(FrameSink sink, int chunkSize) {
            if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
                throw new IllegalArgumentException("chunk size " + chunkSize);
            }
            this.sink = sink;
            this.buf = new byte[chunkSize];
        }

        @Override
        public void write(int b) throws IOException {
            if (pos == buf.length) {
                emit(false);
            }
            buf[pos++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (pos == buf.length) {
                    emit(false);
                }
                int n = Math.min(len, buf.length - pos);
                System.arraycopy(b, off, buf, pos, n);
                pos += n;
                off += n;
                len -= n;
            }
        }

        private void emit(boolean last) throws IOException {
            sink.frame(frame(seq++, last, buf, pos));
            payloadBytes += pos;
            pos = 0;
        }

        /** Writes the final chunk (possibly empty); the channel stays open for the caller to force. */
        void finish() throws IOException {
            emit(true);
        }

        int chunks() {
            return seq;
        }

        long payloadBytes() {
            return payloadBytes;
        }
    }

    /**
     * Reads and verifies chunks from a stream, exposing the concatenated payload; EOF after the last chunk.
     * Errors name the chunk and its byte offset in the file ({@code base} is where the first chunk starts).
     */
    static final class Input extends InputStream {
        private final InputStream in;
        private final String source;
        private final long base;
        private byte[] payload = new byte[0];
        private int pos;
        private int nextSeq;
        private boolean sawLast;
        private int chunkSize = -1;
        private long consumed;

        Input(InputStream in, String source) {
            this(in, "snapshot " + source, 0);
        }

        /** {@code what} names the file in errors ("snapshot X", "backup file X"). */
        Input(InputStream in, String what, long base) {
            this.in = in;
            this.source = what;
            this.base = base;
        }

        private boolean fill() throws IOException {
            while (pos == payload.length) {
                if (sawLast) {
                    return false;
                }
                long at = base + consumed;
                byte[] header = in.readNBytes(HEADER);
                consumed += header.length;
                if (header.length < HEADER) {
                    throw new CorruptionException(source + " is truncated before chunk " + nextSeq + " (ends at byte offset "
                            + (base + consumed) + ")");
                }
                int len = Wire.getIntBE(header, 5);
                if (len < 0 || len > MAX_CHUNK_SIZE) {
                    throw new CorruptionException(source + ": chunk " + nextSeq + " at byte offset " + at + " has a damaged header");
                }
                byte[] f = new byte[HEADER + len];
                System.arraycopy(header, 0, f, 0, HEADER);
                int got = in.readNBytes(f, HEADER, len);
                consumed += got;
                if (got < len) {
                    throw new CorruptionException(source + " is truncated inside chunk " + nextSeq + " (chunk at byte offset " + at
                            + " needs " + (HEADER + len) + " bytes, the file ends at byte offset " + (base + consumed) + ")");
                }
                String[] problem = new String[1];
                Header h = verify(f, problem);
                if (h == null) {
                    throw new CorruptionException(source + ": chunk " + nextSeq + " at byte offset " + at + ": " + problem[0]);
                }
                if (h.seq() != nextSeq) {
                    throw new CorruptionException(source + ": chunk " + h.seq() + " at byte offset " + at + " where " + nextSeq
                            + " was expected");
                }
                if (chunkSize < 0) {
                    chunkSize = len;
                }
                if (!h.last() && len != chunkSize) {
                    throw new CorruptionException(source + ": chunk " + h.seq() + " at byte offset " + at + " has " + len
                            + " payload bytes, expected " + chunkSize);
                }
                nextSeq++;
                sawLast = h.last();
                payload = f;
                pos = HEADER;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? payload[pos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, payload.length - pos);
            System.arraycopy(payload, pos, b, off, n);
            pos += n;
            return n;
        }

        /** True once the last chunk was read completely and nothing follows it. */
        boolean complete() throws IOException {
            return sawLast && pos == payload.length && in.read() < 0;
        }

        /** True once the last chunk was read completely (whatever follows it in the underlying stream). */
        boolean lastChunkConsumed() {
            return sawLast && pos == payload.length;
        }

        /** Chunks read so far. */
        int chunks() {
            return nextSeq;
        }

        /** Bytes read from the underlying stream so far (frames, headers included). */
        long bytesRead() {
            return consumed;
        }
    }
}
