package io.raftkv.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Ready;
import io.raftkv.storage.BackupFile;
import io.raftkv.storage.BackupInfo;
import io.raftkv.storage.BackupSource;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.Command;
import io.raftkv.storage.CommandCodec;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.Request;
import io.raftkv.storage.StoreConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backup commands' output and every error path, without a cluster (the end-to-end test has one). */
class BackupCommandsTest {
    static final String CLUSTER = "1=127.0.0.1:7101,2=127.0.0.1:7102,3=127.0.0.1:7103";
    static final int CHUNK = 4096;

    @TempDir
    Path cwd;

    private CliRunner.Result cli(String... args) {
        return CliRunner.run(cwd, args);
    }

    /** A backup of a one-node store holding {@code keys} keys, taken straight from storage, in 4 KiB chunks. */
    private Path backup(int keys) throws IOException {
        Path file = cwd.resolve("b.rkv");
        try (RaftStore s = RaftStore.open(StoreConfig.of(cwd.resolve("src"), 1, "5eed").withInitialMembers(ConfState.of(List.of(1L))))) {
            List<Entry> ents = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                Command.Put put = new Command.Put(Bytes.of("key/" + i), Bytes.of("value-".repeat(10) + i));
                ents.add(Entry.normal(2, 2 + i, CommandCodec.encode(Request.of(put))));
            }
            s.persist(new Ready(Optional.empty(), Optional.of(new HardState(2, 1, 1 + keys)), List.of(), ents, Optional.empty(),
                    List.of(), List.of(), List.of(), true));
            s.stateMachine().apply(ents, Map.of());
            try (BackupSource src = BackupSource.open(s, CHUNK, false); OutputStream out = Files.newOutputStream(file)) {
                for (byte[] p = src.next(); p != null; p = src.next()) {
                    out.write(p);
                }
            }
        }
        return file;
    }

    private static void flip(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int v = f.read();
            f.seek(offset);
            f.write(v ^ 1);
        }
    }

    private static long chunkOffset(Path file, int chunk) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(12);
            return 16 + f.readInt() + 4 + (long) chunk * (13 + CHUNK);
        }
    }

    private static void assertError(CliRunner.Result r, int code, String... fragments) {
        assertEquals(code, r.code(), r.out() + r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().endsWith("\n") && r.err().lines().count() == 1, r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + f + "' not in: " + r.err());
        }
    }

    @Test
    void statusPrintsWhatTheFileHolds() throws IOException {
        Path file = backup(500);
        BackupInfo info = BackupFile.verify(file);
        CliRunner.Result r = cli("backup", "status", "b.rkv");
        assertEquals(0, r.code(), r.err());
        assertEquals("verified " + file + "\n"
                + "format      1\n"
                + "cluster id  5eed\n"
                + "node        1 (its local state)\n"
                + "index       501\n"
                + "term        2\n"
                + "members     1\n"
                + "created     " + java.time.Instant.ofEpochMilli(info.createdMillis()) + "\n"
                + "keys        500\n"
                + "sessions    0\n"
                + "size        " + Files.size(file) + " bytes in " + info.chunks() + " chunks\n"
                + "sha256      " + info.sha256() + "\n", r.out());
    }

    @Test
    void statusNamesTheDamagedChunkTheTruncationAndTheWrongFileType() throws IOException {
        Path file = backup(500);
        Path copy = cwd.resolve("copy.rkv");
        Files.copy(file, copy);
        flip(file, chunkOffset(file, 3) + 13 + 200);
        assertError(cli("backup", "status", "b.rkv"), 1, "backup file " + file, "chunk 3 at byte offset " + chunkOffset(file, 3),
                "checksum mismatch");

        try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
            f.setLength(chunkOffset(copy, 2) + 100);
        }
        assertError(cli("backup", "status", "copy.rkv"), 1, "truncated inside chunk 2");

        Files.writeString(cwd.resolve("notes.txt"), "RAFTKV? no");
        assertError(cli("backup", "status", "notes.txt"), 1, "is not a raftkv backup file");
        assertError(cli("backup", "status", "missing.rkv"), 1, "does not exist");
    }

    @Test
    void restoreValidatesItsFlagsLikeTheServerDoes() throws IOException {
        Path file = backup(10);
        assertError(cli("backup", "restore", "b.rkv", "--initial-cluster", CLUSTER, "--data-dir", "d"), 2, "Missing required option: '--id=N'");
        assertError(cli("backup", "restore", "b.rkv", "--id", "1", "--data-dir", "d"), 2, "Missing required option: '--initial-cluster=ID=HOST:PORT,...'");
        assertError(cli("backup", "restore", "b.rkv", "--id", "1", "--initial-cluster", CLUSTER), 2, "Missing required option: '--data-dir=DIR'");
        assertError(cli("backup", "restore", "b.rkv", "--id", "4", "--initial-cluster", CLUSTER, "--data-dir", "d"), 2,
                "node id 4 is not in --initial-cluster [1, 2, 3]");
        assertError(cli("backup", "restore", "b.rkv", "--id", "1", "--initial-cluster", "1=nohost", "--data-dir", "d"), 2,
                "'nohost' is not host:port");
        assertError(cli("backup", "restore", "b.rkv", "--id", "1", "--initial-cluster", "one=h:1", "--data-dir", "d"), 2,
                "is not id=host:port");
        assertFalse(Files.exists(cwd.resolve("d")));
        assertTrue(Files.exists(file));
        CliRunner.Result usage = cli("backup");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("raftkv backup restore FILE"), usage.err());
        // Issue 14: 'backup --help' failed pointing at itself; required flags showed as optional.
        CliRunner.Result help = cli("backup", "--help");
        assertEquals(0, help.code(), help.toString());
        assertTrue(help.out().contains("status") && help.out().contains("restore"), help.out());
        CliRunner.Result restoreHelp = cli("backup", "restore", "--help");
        assertTrue(restoreHelp.out().contains(" --id=N ") && !restoreHelp.out().contains("[--id=N]"), restoreHelp.out());
        assertTrue(restoreHelp.out().contains("The backup file"), "the positional FILE has a description: " + restoreHelp.out());
    }

    @Test
    void restoreRefusesANonEmptyDirectoryAndADamagedFileWithoutWritingAnything() throws IOException {
        Path file = backup(500);
        Path busy = cwd.resolve("busy");
        Files.createDirectories(busy);
        Files.writeString(busy.resolve("MANIFEST"), "someone's data");
        assertError(cli("backup", "restore", "b.rkv", "--id", "1", "--initial-cluster", CLUSTER, "--data-dir", "busy"), 1,
                "data directory " + busy + " is not empty");
        assertEquals("someone's data", Files.readString(busy.resolve("MANIFEST")));

        flip(file, chunkOffset(file, 1) + 13 + 5);
        assertError(cli("backup", "restore", "b.rkv", "--id", "1", "--initial-cluster", CLUSTER, "--data-dir", "fresh"), 1,
                "chunk 1 at byte offset");
        try (Stream<Path> s = Files.list(cwd)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.contains("fresh")).toList());
        }
    }

    @Test
    void restorePrintsTheNewClusterAndHowToStartTheNode() throws IOException {
        Path file = backup(20);
        BackupInfo info = BackupFile.verify(file);
        CliRunner.Result r = cli("backup", "restore", "b.rkv", "--id", "2", "--initial-cluster", CLUSTER, "--data-dir", "n2");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("restored " + file + " into " + cwd.resolve("n2"), lines.get(0));
        assertEquals("node        2", lines.get(1));
        assertTrue(lines.get(2).matches("cluster id  [0-9a-f]+ \\(new; the backup's was 5eed\\)"), lines.get(2));
        assertEquals("members     " + CLUSTER, lines.get(3));
        assertEquals("index       " + info.index(), lines.get(4));
        assertEquals("keys        20", lines.get(6));
        assertEquals("start       raftkv server --id 2 --initial-cluster " + CLUSTER + " --data-dir " + cwd.resolve("n2")
                + " --client-addr HOST:PORT", lines.get(9));
        assertTrue(Files.isRegularFile(cwd.resolve("n2/restored-cluster.properties")));

        // The same file and members on another member give the same cluster id.
        CliRunner.Result r3 = cli("backup", "restore", "b.rkv", "--id", "3", "--initial-cluster", CLUSTER, "--data-dir", "n3");
        assertEquals(lines.get(2), r3.out().lines().toList().get(2));
        // A second restore into the now populated directory is refused.
        assertError(cli("backup", "restore", "b.rkv", "--id", "2", "--initial-cluster", CLUSTER, "--data-dir", "n2"), 1,
                "is not empty");
    }
}
