package io.raftkv.client;

import io.raftkv.proto.SnapshotInfo;
import io.raftkv.proto.SnapshotResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Writes a backup stream ({@code Maintenance/Snapshot}) into a channel and checks it as it goes: the file
 * ends with a trailer {@code "RKVBKEND" chunks(4) imagePayloadBytes(8) records(8) keys(8) sessions(8)
 * SHA-256(32)} (big-endian; storage/README.md "Backup files"), whose digest covers every byte before it. The
 * digest proves the transfer whole; the records are checked by the storage module's verifier
 * ({@code raftkv backup status}). A retried attempt starts the channel over.
 */
final class BackupReceiver implements Call.StreamSink<SnapshotResponse> {
    private static final byte[] TRAILER_MAGIC = "RKVBKEND".getBytes(StandardCharsets.US_ASCII);
    private static final int DIGEST_BYTES = 32;
    private static final int TRAILER_BYTES = 8 + 4 + 8 * 4 + DIGEST_BYTES;

    private final SeekableByteChannel out;
    private MessageDigest digest;
    /** The last bytes received, held back from the digest until the stream ends (they may be the trailer). */
    private byte[] tail;
    private long bytes;
    private SnapshotInfo info;

    BackupReceiver(SeekableByteChannel out) {
        this.out = out;
    }

    @Override
    public void restart() {
        try {
            out.truncate(0);
            out.position(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the backup over", e);
        }
        digest = sha256();
        tail = new byte[0];
        bytes = 0;
        info = null;
    }

    @Override
    public void accept(SnapshotResponse r) {
        if (r.hasInfo()) {
            info = r.getInfo();
        }
        byte[] data = r.getData().toByteArray();
        try {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                out.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the backup", e);
        }
        bytes += data.length;
        byte[] all = new byte[tail.length + data.length];
        System.arraycopy(tail, 0, all, 0, tail.length);
        System.arraycopy(data, 0, all, tail.length, data.length);
        int keep = Math.min(TRAILER_BYTES, all.length);
        digest.update(all, 0, all.length - keep);
        tail = Arrays.copyOfRange(all, all.length - keep, all.length);
    }

    /**
     * The summary of a completed stream.
     *
     * @throws ServerErrorException if the stream is not a whole backup (no announcement, no trailer, a digest
     *                              that does not match what arrived)
     */
    BackupSummary finish() {
        if (info == null) {
            throw broken("the node ended the stream without announcing a backup");
        }
        if (tail.length < TRAILER_BYTES || !Arrays.equals(Arrays.copyOf(tail, TRAILER_MAGIC.length), TRAILER_MAGIC)) {
            throw broken("the stream ended without the backup's trailer (" + bytes + " bytes received)");
        }
        digest.update(tail, 0, TRAILER_BYTES - DIGEST_BYTES);
        byte[] expected = Arrays.copyOfRange(tail, TRAILER_BYTES - DIGEST_BYTES, TRAILER_BYTES);
        if (!MessageDigest.isEqual(digest.digest(), expected)) {
            throw broken("the backup's SHA-256 does not match the " + bytes + " bytes received");
        }
        ByteBuffer t = ByteBuffer.wrap(tail, TRAILER_MAGIC.length, TRAILER_BYTES - TRAILER_MAGIC.length - DIGEST_BYTES);
        int chunks = t.getInt();
        t.getLong(); // image payload bytes
        t.getLong(); // records
        long keys = t.getLong();
        long sessions = t.getLong();
        return new BackupSummary(info.getNodeId(), info.getIndex(), info.getTerm(), info.getClusterId(), info.getLinearizable(),
                bytes, chunks, keys, sessions, HexFormat.of().formatHex(expected));
    }

    private static ServerErrorException broken(String why) {
        return new ServerErrorException("backup failed: " + why, null, RaftKvException.Outcome.NOT_APPLIED);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
