package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftkv.proto.SnapshotInfo;
import io.raftkv.proto.SnapshotResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receiver's check of a backup stream against its trailer, on streams made here. */
class BackupReceiverTest {
    @TempDir
    Path dir;

    /** A body, then "RKVBKEND" chunks(4) image(8) records(8) keys(8) sessions(8), then SHA-256 of all before. */
    private static byte[] file(byte[] body, long keys) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(body.length + 44 + 32);
        b.put(body).put("RKVBKEND".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(10).putLong(keys + 1).putLong(keys).putLong(2);
        b.put(MessageDigest.getInstance("SHA-256").digest(java.util.Arrays.copyOf(b.array(), body.length + 44)));
        return b.array();
    }

    private BackupSummary receive(byte[] file, int pieces) throws Exception {
        try (FileChannel out = FileChannel.open(dir.resolve("f"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            BackupReceiver r = new BackupReceiver(out);
            r.restart();
            int step = Math.max(1, file.length / pieces);
            for (int i = 0; i < file.length; i += step) {
                SnapshotResponse.Builder m = SnapshotResponse.newBuilder()
                        .setData(ByteString.copyFrom(file, i, Math.min(step, file.length - i)));
                if (i == 0) {
                    m.setInfo(SnapshotInfo.newBuilder().setNodeId(2).setIndex(7).setTerm(3).setClusterId("abc"));
                }
                r.accept(m.build());
            }
            return r.finish();
        }
    }

    @Test
    void aWholeStreamIsSummarizedFromItsTrailerInAnyPieces() throws Exception {
        byte[] f = file(new byte[1000], 5);
        for (int pieces : new int[] {1, 3, 40, f.length}) {
            BackupSummary s = receive(f, pieces);
            assertEquals(f.length, s.bytes());
            assertEquals(5, s.keys());
            assertEquals(2, s.sessions());
            assertEquals(3, s.chunks());
            assertEquals(7, s.index());
        }
    }

    @Test
    void aFlippedByteOrAMissingTrailerIsRefused() throws Exception {
        byte[] f = file(new byte[1000], 5);
        f[500] ^= 1;
        ServerErrorException e = assertThrows(ServerErrorException.class, () -> receive(f, 7));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        byte[] cut = java.util.Arrays.copyOf(file(new byte[1000], 5), 900);
        assertTrue(assertThrows(ServerErrorException.class, () -> receive(cut, 2)).getMessage().contains("trailer"));
    }
}
