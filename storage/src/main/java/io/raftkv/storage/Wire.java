package io.raftkv.storage;

import java.util.Arrays;
import java.util.zip.CRC32C;

/** Little binary helpers shared by every codec here: growable writer, bounds-checked reader, CRC32C. */
final class Wire {
    private Wire() {
    }

    /** A malformed encoding; callers turn it into a corruption or a rejected command, with context. */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message, null, false, false);
        }
    }

    static int crc32c(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    static void putLongBE(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    static long getLongBE(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    static void putIntBE(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static int getIntBE(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    /** How many bytes {@link Writer#varLong} writes for {@code v}: sizing a writer exactly spares a copy. */
    static int varLongSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    static final class Writer {
        private byte[] buf;
        private int pos;

        Writer(int initialCapacity) {
            buf = new byte[Math.max(16, initialCapacity)];
        }

        private void ensure(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        Writer u8(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
            return this;
        }

        Writer i64(long v) {
            ensure(8);
            putLongBE(buf, pos, v);
            pos += 8;
            return this;
        }

        Writer i32(int v) {
            ensure(4);
            putIntBE(buf, pos, v);
            pos += 4;
            return this;
        }

        /** Unsigned LEB128: ids, counts and lengths are usually small. */
        Writer varLong(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
            return this;
        }

        Writer bool(boolean v) {
            return u8(v ? 1 : 0);
        }

        Writer raw(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
            return this;
        }

        /** Length-prefixed bytes. */
        Writer bytes(byte[] b) {
            varLong(b.length);
            return raw(b);
        }

        Writer bytes(Bytes b) {
            return bytes(b.array());
        }

        int size() {
            return pos;
        }

        /** The bytes written; the buffer itself when it was sized exactly (no copy on the write path). */
        byte[] toByteArray() {
            return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
        }
    }

    static final class Reader {
        private final byte[] buf;
        private int pos;
        private final int end;

        Reader(byte[] buf) {
            this(buf, 0, buf.length);
        }

        Reader(byte[] buf, int off, int end) {
            this.buf = buf;
            this.pos = off;
            this.end = end;
        }

        private void need(int n) throws MalformedException {
            if (n < 0 || end - pos < n) {
                throw new MalformedException("truncated: need " + n + " bytes at offset " + pos + " of " + end);
            }
        }

        int u8() throws MalformedException {
            need(1);
            return buf[pos++] & 0xFF;
        }

        long i64() throws MalformedException {
            need(8);
            long v = getLongBE(buf, pos);
            pos += 8;
            return v;
        }

        int i32() throws MalformedException {
            need(4);
            int v = getIntBE(buf, pos);
            pos += 4;
            return v;
        }

        long varLong() throws MalformedException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new MalformedException("varint longer than 10 bytes at offset " + pos);
        }

        /** A count or length that must fit in {@code [0, max]}. */
        int count(int max) throws MalformedException {
            long v = varLong();
            if (v < 0 || v > max) {
                throw new MalformedException("count " + v + " outside [0, " + max + "] at offset " + pos);
            }
            return (int) v;
        }

        boolean bool() throws MalformedException {
            int v = u8();
            if (v > 1) {
                throw new MalformedException("bad boolean " + v + " at offset " + (pos - 1));
            }
            return v == 1;
        }

        byte[] bytes(int maxLen) throws MalformedException {
            int n = count(maxLen);
            need(n);
            byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        byte[] rest() {
            byte[] b = Arrays.copyOfRange(buf, pos, end);
            pos = end;
            return b;
        }

        boolean hasRemaining() {
            return pos < end;
        }

        void expectEnd() throws MalformedException {
            if (pos != end) {
                throw new MalformedException((end - pos) + " trailing bytes");
            }
        }
    }
}
