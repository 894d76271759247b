package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftkv.proto.PutOp;
import io.raftkv.proto.TxnOp;
import io.raftkv.proto.TxnRequest;
import io.raftkv.server.cli.CliRunner;
import io.raftkv.storage.BackupFile;
import io.raftkv.storage.BackupInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures backup save, status and restore through the CLI code path against three in-process nodes.
 * Opt-in, measures and prints (asserts only that nothing was lost):
 * {@code ./mvnw -pl cli -am test -Dtest=BackupThroughputTest -Dsurefire.failIfNoSpecifiedTests=false -Dbackup.bench.keys=100000}
 */
@EnabledIfSystemProperty(named = "backup.bench.keys", matches = "\\d+")
class BackupThroughputTest {
    @TempDir
    Path dir;

    @Test
    void saveStatusRestore() {
        int keys = Integer.parseInt(System.getProperty("backup.bench.keys"));
        int valueBytes = Integer.getInteger("backup.bench.value-bytes", 256);
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) 'v');
        Path file = dir.resolve("bench.rkv");
        try (TestCluster c = new TestCluster(dir.resolve("old"), 3, x -> x)) {
            long leader = c.awaitLeader();
            long t0 = System.nanoTime();
            for (int base = 0; base < keys; base += 500) {
                TxnRequest.Builder tx = TxnRequest.newBuilder();
                for (int i = base; i < Math.min(keys, base + 500); i++) {
                    tx.addSuccess(TxnOp.newBuilder().setPut(PutOp.newBuilder().setKey(ByteString.copyFromUtf8(String.format("key/%08d", i)))
                            .setValue(ByteString.copyFrom(value))));
                }
                c.kv(leader).txn(tx.build());
            }
            report("load", keys, System.nanoTime() - t0, 0);
            for (int round = 1; round <= 3; round++) {
                t0 = System.nanoTime();
                io.raftkv.cli.CliRunner.Result r = io.raftkv.cli.CliRunner.run(dir, "backup", "save", file.toString(), "--force", "--endpoints",
                        String.join(",", c.clientAddrs.values()));
                assertEquals(0, r.code(), r.toString());
                report("save #" + round, keys, System.nanoTime() - t0, size(file));
            }
        }
        long t0 = System.nanoTime();
        CliRunner.Result status = CliRunner.run(dir, "backup", "status", file.toString());
        assertEquals(0, status.code(), status.toString());
        report("status", keys, System.nanoTime() - t0, size(file));
        BackupInfo info = BackupFile.verify(file);
        assertEquals(keys, info.keys());
        String members = "1=127.0.0.1:1,2=127.0.0.1:2,3=127.0.0.1:3";
        for (int id = 1; id <= 3; id++) {
            t0 = System.nanoTime();
            CliRunner.Result r = CliRunner.run(dir, "backup", "restore", file.toString(), "--id", Integer.toString(id),
                    "--initial-cluster", members, "--data-dir", dir.resolve("new/n" + id).toString());
            assertEquals(0, r.code(), r.toString());
            report("restore #" + id, keys, System.nanoTime() - t0, size(file));
        }
        assertTrue(Files.isDirectory(dir.resolve("new/n3/db")));
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void report(String what, int keys, long nanos, long bytes) {
        double s = nanos / 1e9;
        System.out.println(String.format(Locale.ROOT, "BENCH %-10s %,d keys in %.2f s: %,.0f keys/s%s", what, keys, s, keys / s,
                bytes == 0 ? "" : String.format(Locale.ROOT, ", %.1f MiB/s (%,d bytes)", bytes / 1048576.0 / s, bytes)));
    }
}
