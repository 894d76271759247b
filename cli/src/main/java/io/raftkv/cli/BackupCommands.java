package io.raftkv.cli;

import io.raftkv.client.BackupSummary;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.RaftKvException;
import io.raftkv.launcher.Units;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv backup save|status|restore}, modelled on {@code etcdctl snapshot save} and etcdutl's
 * {@code snapshot status|restore}. {@code save} streams a backup through the client library; {@code status}
 * and {@code restore} read the file with the storage module and run from the server jar ({@link Delegate}).
 *
 * <pre>
 * backup save FILE   saved FILE, then: cluster id, node, index, term, keys, sessions, size, sha256, elapsed
 * </pre>
 */
final class BackupCommands {
    private BackupCommands() {
    }

    static CommandLine command(CliContext ctx) {
        CommandLine backup = new CommandLine(new Group());
        backup.addSubcommand("save", new Save(ctx));
        backup.addSubcommand("status", new Delegate.BackupStatus(ctx));
        backup.addSubcommand("restore", new Delegate.BackupRestore(ctx));
        return backup;
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = {"Back up a cluster and restore a new one from the backup.", "",
                "  raftkv backup save FILE         stream a consistent backup of the cluster into FILE",
                "  raftkv backup status FILE       verify FILE and print what it holds",
                "  raftkv backup restore FILE ...  create a data directory of a new cluster from FILE",
                "Each takes --help."})
    static final class Group implements Callable<Integer> {
        @Spec
        CommandSpec spec;

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
                "Writes FILE.part, checks the SHA-256 of what arrived, fsyncs, then renames it to FILE;"
                        + " 'raftkv backup status FILE' checks every record."})
    static final class Save implements Callable<Integer> {
        private final CliContext ctx;

        @Parameters(index = "0", paramLabel = "FILE", description = "Where the backup goes (an existing file only with --force).")
        Path file;

        @Option(names = "--endpoints", paramLabel = "HOST:PORT,...",
                description = "Nodes to ask (default: $RAFTKV_ENDPOINTS, else the local cluster's). One node: its local state.")
        String endpoints;

        @Option(names = "--dir", paramLabel = "DIR", description = "Use the endpoints of the local cluster in DIR.")
        Path dir;

        @Mixin
        TlsFlags tls = new TlsFlags();

        @Option(names = "--force", description = "Replace FILE if it exists (only once the new backup is complete).")
        boolean force;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m",
                description = "Give up after this long, retries included (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = "--chunk-size", paramLabel = "SIZE",
                description = "Payload bytes per checksummed chunk, 4KiB..2MiB (default: 1MiB).")
        String chunkSize;

        @Option(names = {"-w", "--write-out"}, paramLabel = "FORMAT", defaultValue = "simple",
                description = "Output format: simple, table or json (default: ${DEFAULT-VALUE}).")
        ClientOptions.Format format;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        @Option(names = "--user", paramLabel = "NAME",
                description = "Log in as NAME (a user with role root) to a cluster with auth enabled; password as for other commands.")
        String user;

        @Option(names = "--password-file", paramLabel = "FILE", description = "A file whose first line is the --user's password.")
        Path passwordFile;

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
            int chunk = chunkSize == null ? 0 : size(chunkSize);
            ClientOptions o = new ClientOptions();
            o.endpoints = endpoints;
            o.dir = dir;
            o.timeout = timeout;
            o.tls = tls;
            o.user = user;
            o.passwordFile = passwordFile;
            Endpoints.Resolved r = o.resolve(ctx);
            // An explicitly named single node is asked for its own state: the way to save a cluster without quorum.
            boolean linearizable = endpoints == null || endpoints.isBlank() || r.endpoints().size() != 1;
            long t0 = System.nanoTime();
            BackupSummary b = save(r, o, part, target, linearizable, chunk);
            print(b, target, System.nanoTime() - t0);
            return 0;
        }

        private BackupSummary save(Endpoints.Resolved r, ClientOptions o, Path part, Path target, boolean linearizable, int chunk) {
            try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = lock(ch, part);
                Thread cleanup = new Thread(() -> deleteQuietly(part), "raftkv-backup-cleanup");
                Runtime.getRuntime().addShutdownHook(cleanup);
                try (RaftKvClient c = o.client(r)) {
                    BackupSummary b = c.backup(linearizable, chunk, timeout, ch);
                    ch.force(true);
                    if (Files.exists(target) && !force) {
                        throw CliException.failed(target + " appeared while saving; pass --force to replace it");
                    }
                    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    fsyncDir(target.getParent());
                    lock.release();
                    return b;
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

        private void print(BackupSummary b, Path target, long nanos) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cluster id", b.clusterId());
            m.put("node", b.nodeId() + (b.linearizable() ? " (linearizable)" : " (its local state)"));
            m.put("index", b.index());
            m.put("term", b.term());
            m.put("keys", b.keys());
            m.put("sessions", b.sessions());
            m.put("size", b.bytes() + " bytes in " + b.chunks() + " chunks");
            m.put("sha256", b.sha256());
            m.put("elapsed", String.format(Locale.ROOT, "%.2f s (%s)", nanos / 1e9, rate(b.bytes(), nanos)));
            PrintStream out = ctx.out();
            if (format == ClientOptions.Format.json) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("file", target.toString());
                m.forEach((k, v) -> j.put(k.replace(' ', '_'), v));
                out.println(Json.write(j));
                return;
            }
            out.println("saved " + target);
            m.forEach((k, v) -> out.printf(Locale.ROOT, "%-12s%s%n", k, v));
        }

        private static int size(String text) {
            try {
                return Units.parseIntSize(text);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--chunk-size: " + e.getMessage());
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
                return ce.exitCode() == CliException.USAGE ? ce : CliException.failed("backup not saved: " + ce.getMessage());
            }
            if (e instanceof RaftKvException re) {
                CliException ce = Failures.of(re);
                return ce.exitCode() == CliException.USAGE ? ce : CliException.failed("backup not saved: " + ce.getMessage());
            }
            String m = e instanceof UncheckedIOException u ? u.getCause().toString() : e.toString();
            return CliException.failed("backup not saved: " + m);
        }
    }

    static String rate(long bytes, long nanos) {
        double perSecond = bytes / (Math.max(nanos, 1) / 1e9);
        return perSecond >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MiB/s", perSecond / (1 << 20))
                : String.format(Locale.ROOT, "%.1f KiB/s", perSecond / 1024);
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
