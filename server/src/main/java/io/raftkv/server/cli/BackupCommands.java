package io.raftkv.server.cli;

import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.MaintenanceGrpc;
import io.raftkv.proto.SnapshotInfo;
import io.raftkv.proto.SnapshotRequest;
import io.raftkv.proto.SnapshotResponse;
import io.raftkv.raft.ConfState;
import io.raftkv.server.RestoredCluster;
import io.raftkv.server.ServerConfig;
import io.raftkv.storage.BackupFile;
import io.raftkv.storage.BackupInfo;
import io.raftkv.storage.BackupRestore;
import io.raftkv.storage.StorageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Properties;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv backup save|status|restore}: backup and disaster recovery, modelled on
 * {@code etcdctl snapshot save}, {@code etcdutl snapshot status} and {@code etcdutl snapshot restore}.
 * The file format and the restored Raft state are defined in the storage module
 * ({@link BackupFile}, {@link BackupRestore}); this class moves bytes and talks to people.
 *
 * <pre>
 * backup save FILE      saved FILE, then the fields below plus "elapsed"
 * backup status FILE    verified FILE, then: format, cluster id, node, index, term, members, created,
 *                       keys, sessions, size, sha256 (one "name  value" line each)
 * backup restore FILE   restored FILE into DIR, then: node, cluster id, members, index, term, keys,
 *                       sessions, elapsed, start (the command that starts the node)
 * </pre>
 */
final class BackupCommands {
    private BackupCommands() {
    }

    static CommandLine command(CliContext ctx) {
        CommandLine backup = new CommandLine(new Backup());
        backup.addSubcommand("save", new Save(ctx));
        backup.addSubcommand("status", new StatusCmd(ctx));
        backup.addSubcommand("restore", new Restore(ctx));
        return backup;
    }

    @Command(name = "backup", description = {"Back up a cluster and restore a new one from the backup.", "",
        "  raftkv backup save FILE         stream a consistent backup of the cluster into FILE",
        "  raftkv backup status FILE       verify FILE and print what it holds",
        "  raftkv backup restore FILE ...  create a data directory of a new cluster from FILE"})
    static final class Backup implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    @Command(name = "save", sortOptions = false, usageHelpAutoWidth = true,
            description = {"Save a backup of the cluster's state (keys, versions, sessions) to FILE.",
                "The node asked first confirms with the leader (a ReadIndex round) that the backup holds every "
                        + "write acknowledged before the command started. With --endpoints naming one node, saves that node's "
                        + "local state as it is (any node, also without a quorum).",
                "Writes FILE.part, fsyncs, verifies every chunk and the SHA-256, then renames it to FILE."})
    static final class Save implements Callable<Integer> {
        private final CliContext ctx;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--endpoints", paramLabel = "HOST:PORT,...",
                description = "Nodes to ask (default: $RAFTKV_ENDPOINTS, else the local cluster's). One node: its local state.")
        String endpoints;

        @Option(names = "--dir", paramLabel = "DIR", description = "Use the endpoints of the local cluster in DIR.")
        Path dir;

        @Option(names = "--force", description = "Replace FILE if it exists (only once the new backup is verified).")
        boolean force;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m",
                description = "Give up after this long, retries included (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = "--chunk-size", paramLabel = "SIZE", converter = ServerCommand.IntSize.class,
                description = "Payload bytes per checksummed chunk, 4KiB..2MiB (default: 1MiB).")
        Integer chunkSize;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        Save(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            Path target = ctx.resolve(file);
            Path part = target.resolveSibling(target.getFileName() + ".part");
            if (Files.isDirectory(target)) {
                throw CliException.usage(target + " is a directory; name the backup file to write");
            }
            if (!Files.isDirectory(target.getParent())) {
                throw CliException.failed("cannot save " + target + ": directory " + target.getParent() + " does not exist");
            }
            if (Files.exists(target) && !force) {
                throw CliException.failed(target + " already exists; pass --force to replace it");
            }
            Endpoints.Resolved r = Endpoints.resolve(endpoints, dir == null ? null : ctx.resolve(dir), ctx.env(),
                    ctx.resolve(Path.of(LocalCommands.DEFAULT_DIR)));
            // An explicitly named single node is asked for its own state: the way to save a cluster without quorum.
            boolean linearizable = endpoints == null || endpoints.isBlank() || r.endpoints().size() != 1;
            SnapshotRequest req = SnapshotRequest.newBuilder().setLinearizable(linearizable)
                    .setChunkBytes(chunkSize == null ? 0 : chunkSize).build();
            long t0 = System.nanoTime();
            try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = lock(ch, part);
                Thread cleanup = new Thread(() -> deleteQuietly(part), "raftkv-backup-cleanup");
                Runtime.getRuntime().addShutdownHook(cleanup);
                try {
                    SnapshotInfo from;
                    try (ClusterClient c = new ClusterClient(r.endpoints(), timeout, ctx.channels())) {
                        from = c.call(ClusterClient.Kind.READ, (channel, deadline) -> receive(channel, deadline, ch, req));
                    }
                    ch.force(true);
                    BackupInfo info = BackupFile.verify(part);
                    if (info.index() != from.getIndex() || info.nodeId() != from.getNodeId()) {
                        throw CliException.failed("the verified file holds index " + info.index() + " of node " + info.nodeId()
                                + ", the server announced index " + from.getIndex() + " of node " + from.getNodeId());
                    }
                    if (Files.exists(target) && !force) {
                        throw CliException.failed(target + " appeared while saving; pass --force to replace it");
                    }
                    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    fsyncDir(target.getParent());
                    lock.release();
                    long nanos = System.nanoTime() - t0;
                    ctx.out().println("saved " + target);
                    print(ctx.out(), info);
                    row(ctx.out(), "elapsed", String.format(Locale.ROOT, "%.2f s (%s)", nanos / 1e9, rate(info.sizeBytes(), nanos)));
                    return 0;
                } catch (RuntimeException | IOException e) {
                    deleteQuietly(part);
                    throw failure(e);
                } finally {
                    try {
                        Runtime.getRuntime().removeShutdownHook(cleanup);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook is running; it deletes the part file
                    }
                }
            } catch (IOException e) {
                throw CliException.failed("cannot write " + part + ": " + e.getMessage());
            }
        }

        private static FileLock lock(FileChannel ch, Path part) throws IOException {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw CliException.failed(part + " is being written by another 'backup save'");
            }
            return lock;
        }

        private static CliException failure(Exception e) {
            if (e instanceof CliException ce) {
                return CliException.failed("backup not saved: " + ce.getMessage());
            }
            String m = e instanceof UncheckedIOException u ? u.getCause().toString() : e.getMessage();
            return CliException.failed("backup not saved: " + m);
        }

        /** One attempt: the stream into the part file from its start. */
        private static SnapshotInfo receive(Channel channel, Deadline deadline, FileChannel ch, SnapshotRequest req) {
            Context.CancellableContext call = Context.current().withCancellation();
            Context previous = call.attach();
            try {
                ch.truncate(0);
                ch.position(0);
                Iterator<SnapshotResponse> it = MaintenanceGrpc.newBlockingStub(channel).withDeadline(deadline).snapshot(req);
                SnapshotInfo info = null;
                while (it.hasNext()) {
                    SnapshotResponse r = it.next();
                    if (r.hasInfo()) {
                        info = r.getInfo();
                    }
                    ByteBuffer b = r.getData().asReadOnlyByteBuffer();
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
                if (info == null) {
                    throw CliException.failed("the server ended the stream without sending a backup");
                }
                return info;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                    // Busy with other backups: waiting out the whole timeout here would only hide that.
                    throw CliException.failed(ClusterClient.describe(e, ClusterClient.detail(e)));
                }
                throw e;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                call.detach(previous);
                call.cancel(null);
            }
        }
    }

    @Command(name = "status", usageHelpAutoWidth = true,
            description = "Verify FILE completely (every chunk's CRC32C, every record, the SHA-256) and print what it holds.")
    static final class StatusCmd implements Callable<Integer> {
        private final CliContext ctx;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        StatusCmd(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            Path p = ctx.resolve(file);
            BackupInfo info;
            try {
                info = BackupFile.verify(p);
            } catch (StorageException e) {
                throw CliException.failed(e.getMessage());
            }
            ctx.out().println("verified " + p);
            print(ctx.out(), info);
            return 0;
        }
    }

    @Command(name = "restore", sortOptions = false, usageHelpAutoWidth = true,
            description = {"Create the data directory of one member of a NEW cluster from a backup (offline).",
                "Run it for every member with the same FILE and --initial-cluster, then start each with "
                        + "'raftkv server --id N --initial-cluster ... --data-dir DIR'. The new cluster starts at the "
                        + "backup's index with the given members and its own cluster id.",
                "FILE is verified completely before anything is written; DIR must not exist or be empty."})
    static final class Restore implements Callable<Integer> {
        private final CliContext ctx;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--id", paramLabel = "N", description = "The member this data directory is for.")
        Long id;

        @Option(names = "--initial-cluster", paramLabel = "ID=HOST:PORT,...",
                description = "Members of the new cluster and their peer addresses (the same for every member).")
        String initialCluster;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "The new data directory.")
        Path dataDir;

        @Option(names = "--cluster-token", paramLabel = "T", defaultValue = "raftkv",
                description = "The --cluster-token the new members will be started with (default: ${DEFAULT-VALUE}).")
        String clusterToken;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        Restore(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            require(id, "--id");
            require(initialCluster, "--initial-cluster");
            require(dataDir, "--data-dir");
            SortedMap<Long, String> members = ServerCommand.parseInitialCluster(initialCluster);
            Path target = ctx.resolve(dataDir);
            ServerConfig base;
            try {
                // The node's own validation, so the flags fail here exactly as they would at 'server'.
                base = ServerConfig.of(id, members, "127.0.0.1:0", target).withClusterToken(clusterToken);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            Path backup = ctx.resolve(file);
            long t0 = System.nanoTime();
            String[] newId = new String[1];
            BackupRestore.Restored r;
            try {
                r = BackupRestore.restore(backup, target, id, info -> {
                    String restored = Long.toHexString(base.withClusterToken(RestoredCluster.tokenFor(clusterToken, info.sha256()))
                            .clusterId());
                    if (restored.equals(info.clusterId())) {
                        throw new IllegalArgumentException("the restored cluster would get the backed-up cluster's id "
                                + restored + "; pass another --cluster-token");
                    }
                    newId[0] = restored;
                    return restored;
                }, ConfState.of(members.keySet()), (dir, info) -> RestoredCluster.write(dir, clusterToken, info.sha256(),
                        description(backup, info)));
            } catch (StorageException e) {
                throw CliException.failed(e.getMessage());
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            BackupInfo info = r.backup();
            String cluster = members.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
            PrintWriter out = ctx.out();
            out.println("restored " + backup + " into " + target);
            row(out, "node", Long.toString(id));
            row(out, "cluster id", newId[0] + " (new; the backup's was " + info.clusterId() + ")");
            row(out, "members", cluster);
            row(out, "index", Long.toString(info.index()));
            row(out, "term", Long.toString(info.term()));
            row(out, "keys", Long.toString(info.keys()));
            row(out, "sessions", Long.toString(info.sessions()));
            row(out, "elapsed", String.format(Locale.ROOT, "%.2f s", (System.nanoTime() - t0) / 1e9));
            row(out, "start", "raftkv server --id " + id + " --initial-cluster " + cluster + " --data-dir " + target
                    + (clusterToken.equals("raftkv") ? "" : " --cluster-token " + clusterToken) + " --client-addr HOST:PORT");
            return 0;
        }

        private static Properties description(Path backup, BackupInfo info) {
            Properties p = new Properties();
            p.setProperty("backup-file", backup.toString());
            p.setProperty("backup-sha256", info.sha256());
            p.setProperty("backup-cluster-id", info.clusterId());
            p.setProperty("backup-index", Long.toString(info.index()));
            p.setProperty("backup-term", Long.toString(info.term()));
            p.setProperty("restored-at", Instant.now().toString());
            return p;
        }

        private static void require(Object value, String flag) {
            if (value == null) {
                throw CliException.usage("missing " + flag);
            }
        }
    }

    static void print(PrintWriter out, BackupInfo info) {
        row(out, "format", Integer.toString(info.formatVersion()));
        row(out, "cluster id", info.clusterId());
        row(out, "node", info.nodeId() + (info.linearizable() ? " (linearizable)" : " (its local state)"));
        row(out, "index", Long.toString(info.index()));
        row(out, "term", Long.toString(info.term()));
        row(out, "members", info.members().voters().stream().map(String::valueOf).collect(Collectors.joining(","))
                + (info.members().learners().isEmpty() ? "" : " learners " + info.members().learners()));
        row(out, "created", Instant.ofEpochMilli(info.createdMillis()).toString());
        row(out, "keys", Long.toString(info.keys()));
        row(out, "sessions", Long.toString(info.sessions()));
        row(out, "size", info.sizeBytes() + " bytes in " + info.chunks() + " chunks");
        row(out, "sha256", info.sha256());
    }

    static String rate(long bytes, long nanos) {
        double perSecond = bytes / (Math.max(nanos, 1) / 1e9);
        return perSecond >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MiB/s", perSecond / (1 << 20))
                : String.format(Locale.ROOT, "%.1f KiB/s", perSecond / 1024);
    }

    private static void row(PrintWriter out, String name, String value) {
        out.printf(Locale.ROOT, "%-12s%s%n", name, value);
    }

    private static void fsyncDir(Path d) throws IOException {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the failure being reported matters more
        }
    }
}
