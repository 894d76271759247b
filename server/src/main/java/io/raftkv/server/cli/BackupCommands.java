package io.raftkv.server.cli;

import io.raftkv.raft.ConfState;
import io.raftkv.server.RestoredCluster;
import io.raftkv.server.ServerConfig;
import io.raftkv.storage.BackupFile;
import io.raftkv.storage.BackupInfo;
import io.raftkv.storage.BackupRestore;
import io.raftkv.storage.StorageException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
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
 * {@code raftkv backup status|restore}: the offline half of backup and disaster recovery, modelled on
 * {@code etcdutl snapshot status} and {@code etcdutl snapshot restore} (they need the storage module, so
 * they live in the server jar; {@code backup save} talks to a cluster and is the CLI module's). The file
 * format and the restored Raft state are defined in the storage module ({@link BackupFile},
 * {@link BackupRestore}); this class talks to people.
 *
 * <pre>
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
        backup.addSubcommand("status", new StatusCmd(ctx));
        backup.addSubcommand("restore", new Restore(ctx));
        return backup;
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = {"Check a backup file and restore a new cluster from it (offline).", "",
        "  raftkv backup status FILE       verify FILE and print what it holds",
        "  raftkv backup restore FILE ...  create a data directory of a new cluster from FILE",
        "('raftkv backup save FILE' takes a backup: the CLI jar's command.)"})
    static final class Backup implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    @Command(name = "status", usageHelpAutoWidth = true,
            description = "Verify FILE completely (every chunk's CRC32C, every record, the SHA-256) and print what it holds.")
    static final class StatusCmd implements Callable<Integer> {
        private final CliContext ctx;

        @Parameters(index = "0", paramLabel = "FILE", description = "The backup file to verify.")
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

        @Parameters(index = "0", paramLabel = "FILE", description = "The backup file (from 'raftkv backup save').")
        Path file;

        @Option(names = "--id", paramLabel = "N", required = true, description = "The member this data directory is for.")
        Long id;

        @Option(names = "--initial-cluster", paramLabel = "ID=HOST:PORT,...", required = true,
                description = "Members of the new cluster and their peer addresses (the same for every member).")
        String initialCluster;

        @Option(names = "--data-dir", paramLabel = "DIR", required = true, description = "The new data directory.")
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

    private static void row(PrintWriter out, String name, String value) {
        out.printf(Locale.ROOT, "%-12s%s%n", name, value);
    }
}
