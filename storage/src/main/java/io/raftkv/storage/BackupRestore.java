package io.raftkv.storage;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Creates the data directory of a founding member of a <em>new</em> cluster from a backup, offline (like
 * {@code etcdutl snapshot restore}). Every member restores the same file with the same configuration and
 * so starts from the same Raft state:
 *
 * <ul>
 *   <li>a snapshot at the backup's index and term whose configuration is the new membership (the old one
 *       belongs to the old cluster), as the only thing in the log: first index {@code index + 1};</li>
 *   <li>the state machine exactly as in the backup (keys with their versions and mod/create indexes,
 *       client sessions, the log clock), applied through that index;</li>
 *   <li>hard state (term, no vote, commit = index), and an image of the snapshot in {@code snap/}, so a
 *       leader can send it to a member that is behind (InstallSnapshot), as after any compaction.</li>
 * </ul>
 *
 * <p>The index is kept rather than reset to 1 because it is part of the data: keys carry the index of their
 * last modification (compare-and-set compares it) and a session's id is the index of its OpenSession, so
 * new writes must get indexes above every index in the backup.
 *
 * <p>The state is built by the same install path a follower uses for a received snapshot, in a temporary
 * sibling directory that is renamed into place only when complete and reopened successfully: a crash
 * leaves either no data directory or a complete one.
 */
public final class BackupRestore {
    private BackupRestore() {
    }

    /** Writes extra files into the finished data directory before it is moved into place. */
    public interface Finisher {
        void finish(Path tempDataDir, BackupInfo backup) throws IOException;
    }

    /** Names the new cluster once the backup is verified (so the id may depend on the backup). */
    public interface ClusterNaming {
        String clusterId(BackupInfo backup);
    }

    /**
     * @param backup           the verified backup
     * @param snapshot         the Raft snapshot the new data directory starts from
     * @param droppedMetaRecords state metadata of the old cluster left out (anything but the applied index,
     *                         configuration, log clock and auth store)
     */
    public record Restored(BackupInfo backup, SnapshotMetadata snapshot, long droppedMetaRecords) {
    }

    /**
     * @param dataDir   must not exist, or be an empty directory
     * @param naming    the new cluster's id, as the server will open the store with it
     * @param members   the new cluster's founding voters
     * @throws StorageException (a {@link CorruptionException} for a damaged backup) naming the problem;
     *                          nothing is left behind
     */
    public static Restored restore(Path backup, Path dataDir, long nodeId, ClusterNaming naming, ConfState members,
                                   Finisher finisher) {
        if (members.voters().isEmpty() || !members.voters().contains(nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " is not a voter of " + members.voters());
        }
        Path target = dataDir.toAbsolutePath().normalize();
        checkTarget(target);
        BackupInfo info = BackupFile.verify(backup);
        String clusterId = naming.clusterId(info);
        Path tmp = target.resolveSibling("." + target.getFileName() + ".restoring");
        try {
            Files.createDirectories(target.getParent());
            SnapshotFiles.deleteTree(tmp);
            Files.createDirectories(tmp);
            SnapshotMetadata meta = new SnapshotMetadata(info.index(), info.term(), members);
            long dropped = writeImage(backup, info, tmp, meta);
            try (RaftStore store = RaftStore.open(StoreConfig.of(tmp, nodeId, clusterId))) {
                SnapshotInstaller.install(store.db(), store.log(), store.stateMachine(), new SnapshotFiles(tmp), meta,
                        List.of(), Optional.of(new HardState(meta.term(), 0, meta.index())));
            }
            checkOpens(tmp, nodeId, clusterId, meta);
            finisher.finish(tmp, info);
            fsyncTree(tmp);
            checkTarget(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            SnapshotFiles.fsyncDir(target.getParent());
            return new Restored(info, meta, dropped);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new StorageException("cannot restore into " + target + ": " + e
                    + (Files.isDirectory(target) ? " (if it is a mount point, restore into a new directory inside it)" : ""), e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private static void checkTarget(Path target) {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new StorageException("cannot restore into " + target + ": it exists and is not a directory");
        }
        try (Stream<Path> s = Files.list(target)) {
            if (s.findAny().isPresent()) {
                throw new StorageException("data directory " + target + " is not empty: restore only creates a new data "
                        + "directory and never overwrites one (move it away or pick another --data-dir)");
            }
        } catch (IOException e) {
            throw new StorageException("cannot read " + target + ": " + e, e);
        }
    }

    /**
     * Writes the snapshot image the new member starts from: the backup's records, with the applied index
     * checked and the configuration replaced by the new membership.
     */
    private static long writeImage(Path backup, BackupInfo info, Path dataDir, SnapshotMetadata meta) throws IOException {
        SnapshotFiles files = new SnapshotFiles(dataDir);
        Path tmp = files.temp(meta.index(), meta.term());
        MetaRewriter rw;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            Chunks.Output co = new Chunks.Output(ch, StoreConfig.DEFAULT_CHUNK_BYTES);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(co, 1 << 16));
            SnapshotImage.writeHeader(out, meta);
            rw = new MetaRewriter(out, meta, "backup file " + backup);
            BackupInfo second = BackupFile.read(backup, rw::accept);
            if (!second.sha256().equals(info.sha256())) {
                throw new CorruptionException("backup file " + backup + " changed while it was being restored");
            }
            rw.finish();
            out.flush();
            co.finish();
            ch.force(true);
        }
        Files.move(tmp, files.image(meta), StandardCopyOption.ATOMIC_MOVE);
        SnapshotFiles.fsyncDir(files.dir);
        return rw.dropped;
    }

    /** Opens the result exactly as the server will (with its initial members) and checks the Raft state. */
    private static void checkOpens(Path dir, long nodeId, String clusterId, SnapshotMetadata meta) {
        try (RaftStore store = RaftStore.open(StoreConfig.of(dir, nodeId, clusterId).withInitialMembers(meta.confState()))) {
            KvStateMachine.AppliedState a = store.stateMachine().applied();
            SnapshotMetadata recorded = store.log().snapshot().metadata();
            HardState hs = store.log().hardState();
            if (a.index() != meta.index() || a.term() != meta.term() || !a.confState().equals(meta.confState())
                    || !recorded.equals(meta) || hs.commit() != meta.index() || hs.term() != meta.term()
                    || store.log().firstIndex() != meta.index() + 1 || store.log().lastIndex() != meta.index()) {
                throw new IllegalStateException("restored data directory " + dir + " does not hold snapshot " + meta
                        + ": applied " + a + ", recorded " + recorded + ", hard state " + hs);
            }
        }
    }

    private static void fsyncTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p)) {
                    SnapshotFiles.fsyncDir(p);
                } else {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                }
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            SnapshotFiles.deleteTree(p);
        } catch (IOException ignored) {
            // best effort: a leftover temp directory is named after the target and removed by the next attempt
        }
    }

    /**
     * Passes records through, except the state metadata: that column family comes first in an image and is
     * small, so it is collected and written, rewritten, before the first key.
     */
    private static final class MetaRewriter {
        private final DataOutputStream out;
        private final SnapshotMetadata meta;
        private final String source;
        private final TreeMap<byte[], byte[]> stateMeta = new TreeMap<>(Arrays::compareUnsigned);
        private boolean metaWritten;
        private long records;
        long dropped;

        MetaRewriter(DataOutputStream out, SnapshotMetadata meta, String source) {
            this.out = out;
            this.meta = meta;
            this.source = source;
        }

        void accept(Db.Cf cf, byte[] key, byte[] value) throws IOException {
            if (cf == Db.Cf.STATE_META) {
                stateMeta.put(key, value);
                return;
            }
            writeMeta();
            SnapshotImage.writeRecord(out, cf, key, value);
            records++;
        }

        void finish() throws IOException {
            writeMeta();
            SnapshotImage.writeEnd(out, records);
        }

        private void writeMeta() throws IOException {
            if (metaWritten) {
                return;
            }
            metaWritten = true;
            byte[] a = stateMeta.get(Keys.APPLIED);
            StateCodec.IndexTerm applied = a == null ? null : StateCodec.indexTerm(a, new StateCodec.Where(source, "applied index"));
            if (applied == null || applied.index() != meta.index() || applied.term() != meta.term()) {
                throw new CorruptionException(source + ": its state records applied index " + applied + ", its header "
                        + meta.index() + "/" + meta.term());
            }
            TreeMap<byte[], byte[]> rewritten = new TreeMap<>(Arrays::compareUnsigned);
            rewritten.put(Keys.APPLIED, a);
            rewritten.put(Keys.CONF_STATE, StateCodec.confState(meta.confState()));
            byte[] clock = stateMeta.get(Keys.LOG_CLOCK);
            if (clock != null) {
                rewritten.put(Keys.LOG_CLOCK, clock);
            }
            // Users, roles and the token signing key: a restored cluster keeps its users (as etcd's restore does).
            byte[] auth = stateMeta.get(Keys.AUTH);
            if (auth != null) {
                AuthCodec.decodeState(auth, source);
                rewritten.put(Keys.AUTH, auth);
            }
            dropped = stateMeta.keySet().stream().filter(k -> !rewritten.containsKey(k)).count();
            for (Map.Entry<byte[], byte[]> e : rewritten.entrySet()) {
                SnapshotImage.writeRecord(out, Db.Cf.STATE_META, e.getKey(), e.getValue());
                records++;
            }
        }
    }
}
