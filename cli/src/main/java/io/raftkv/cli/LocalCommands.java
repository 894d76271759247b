package io.raftkv.cli;

import io.raftkv.client.ClusterStatus;
import io.raftkv.launcher.NodeProcess;
import io.raftkv.launcher.ServerLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv local ...}: a cluster of separate node JVMs on 127.0.0.1 to play with failures. State lives
 * in {@code DIR} (see {@link LocalCluster}), so each command is a short-lived process like any user's.
 *
 * <p>Output lines (stable; the README and the end-to-end test read them):
 * <pre>
 * up        node &lt;id&gt;: pid &lt;pid&gt;, client &lt;addr&gt;, peer &lt;addr&gt;, metrics &lt;url&gt;   (per node)
 *           leader: node &lt;id&gt; (term &lt;t&gt;)
 *           endpoints: &lt;addr&gt;,&lt;addr&gt;,...
 *           tls: CA &lt;file&gt;, client certificate &lt;file&gt; and key &lt;file&gt; (client certificates required)   (--tls)
 * status    table ID PID PROCESS ROLE TERM LEADER COMMIT APPLIED CLIENT  (PROCESS: alive|paused|dead)
 * down      stopped node &lt;id&gt; (pid &lt;pid&gt;) | killed node &lt;id&gt; (pid &lt;pid&gt;) after &lt;t&gt; | node &lt;id&gt; was not running
 * kill      killed node &lt;id&gt; (pid &lt;pid&gt;)       (per node with 'all')
 * pause     paused node &lt;id&gt; (pid &lt;pid&gt;)
 * resume    resumed node &lt;id&gt; (pid &lt;pid&gt;)
 * restart   restarted node &lt;id&gt; (pid &lt;pid&gt;)
 * </pre>
 */
final class LocalCommands {
    static final String DEFAULT_DIR = ".local-cluster";
    private static final int LOG_LINES = 20;

    private LocalCommands() {
    }

    static CommandLine command(CliContext ctx) {
        CommandLine local = new CommandLine(new Local());
        local.addSubcommand("up", new Up(ctx));
        local.addSubcommand("status", new StatusCmd(ctx));
        local.addSubcommand("down", new Down(ctx));
        local.addSubcommand("kill", new Kill(ctx));
        local.addSubcommand("pause", new Pause(ctx));
        local.addSubcommand("resume", new Resume(ctx));
        local.addSubcommand("restart", new Restart(ctx));
        local.addSubcommand("add", new LocalMemberCommands.Add(ctx));
        local.addSubcommand("remove", new LocalMemberCommands.Remove(ctx));
        return local;
    }

    /** {@code --dir}, shared by every local command. */
    static final class LocalOptions {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = DEFAULT_DIR,
                description = "Cluster directory (default: ${DEFAULT-VALUE} in the current directory).")
        Path dir;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        Path dir(CliContext ctx) {
            return ctx.resolve(dir);
        }

        LocalCluster cluster(CliContext ctx) {
            Path d = dir(ctx);
            return LocalCluster.load(d).orElseThrow(() -> CliException.failed(
                    "no local cluster in " + d + " (start one with 'raftkv local up')"));
        }
    }

    @Command(name = "local", mixinStandardHelpOptions = true,
            description = {"Run a local cluster of node processes on 127.0.0.1 and break it:", "",
                "  raftkv local up | down | status",
                "  raftkv local up -- --quota-backend-bytes 4MiB   extra server flags for every node",
                "  raftkv local up --tls                TLS everywhere, a throwaway CA in DIR/tls",
                "  raftkv local kill N|leader|all       SIGKILL",
                "  raftkv local pause N|leader|all      SIGSTOP (a hung node)",
                "  raftkv local resume N|all            SIGCONT",
                "  raftkv local restart N|leader|all    start again with the same flags and data",
                "  raftkv local restart N -- FLAGS      ... with these server flags from now on (rolling change)",
                "  raftkv local add ID [--learner]      member add, then start node ID joining the cluster",
                "  raftkv local remove ID               after 'member remove ID': stop node ID, delete its data"})
    static final class Local implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    @Command(name = "up", description = "Start a local cluster in the background and wait for a leader.")
    static final class Up implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalOptions options;
        @Option(names = "--nodes", paramLabel = "N",
                description = "Cluster size, 3 or 5 recommended (default: 3, or the size of the stopped cluster in DIR).")
        Integer nodes;
        @Option(names = "--base-port", paramLabel = "P",
                description = "Peer ports P.., client ports P+1000.., metrics ports P+2000.. (default: 7001 if free, else any free ports;"
                        + " 0: any free ports).")
        Integer basePort;
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                description = "How long to wait for a leader (default: ${DEFAULT-VALUE}).")
        Duration timeout;
        @Option(names = "--fresh", description = "Discard a stopped cluster's data in DIR instead of restarting it.")
        boolean fresh;
        @Option(names = "--restore", paramLabel = "FILE",
                description = "Found a NEW cluster from this backup: 'raftkv backup restore FILE' for every node, then start them.")
        Path restore;
        @Option(names = "--tls", description = "TLS on every port (client, peer, metrics), client certificates required: issues a"
                + " throwaway CA and certificates into DIR/tls and DIR/nN/tls; commands using this cluster's endpoints use them.")
        boolean tls;
        @Parameters(paramLabel = "SERVER_FLAG", arity = "0..*",
                description = "After --: flags every node is started with (see 'raftkv server --help'), e.g. -- --quota-backend-bytes 4MiB;"
                        + " remembered for restarts and added nodes, replaced by the flags of a later 'up -- ...'.")
        List<String> serverFlags = new ArrayList<>();

        Up(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            if (nodes != null && (nodes < 1 || nodes > 9)) {
                throw CliException.usage("--nodes must be between 1 and 9, got " + nodes);
            }
            Path dir = options.dir(ctx);
            Optional<LocalCluster> existing = LocalCluster.load(dir);
            if (existing.isPresent()) {
                List<String> running = describeRunning(existing.get());
                if (!running.isEmpty()) {
                    throw CliException.failed("a local cluster is already running in " + dir + " (" + String.join(", ", running)
                            + "); stop it with 'raftkv local down' first");
                }
            }
            checkServerFlags(serverFlags);
            if (tls && existing.isPresent() && !fresh && !existing.get().tls()) {
                throw CliException.usage(dir + " holds a stopped plaintext cluster; --tls starts a new one: add --fresh to discard it"
                        + " (or use another --dir)");
            }
            Path backup = restore == null ? null : ctx.resolve(restore);
            if (backup != null && existing.isPresent() && !fresh) {
                throw CliException.usage("--restore founds a new cluster, but " + dir + " holds one; add --fresh to discard it"
                        + " (or use another --dir)");
            }
            if (backup != null && !java.nio.file.Files.isRegularFile(backup)) {
                throw CliException.usage("--restore: no backup file " + backup);
            }
            LocalCluster cluster;
            if (existing.isPresent() && !fresh) {
                cluster = resume(existing.get());
            } else {
                if (fresh) {
                    LocalCluster.wipe(dir);
                }
                cluster = create(dir);
                if (tls) {
                    cluster = cluster.withTls();
                    LocalPki.create(cluster);
                }
            }
            if (!serverFlags.isEmpty()) {
                cluster = cluster.withServerFlags(serverFlags);
            }
            cluster = cluster.withLauncher(prefix(ctx.launcher().get()));
            if (backup != null) {
                for (LocalCluster.Node n : cluster.nodes()) {
                    LocalNodes.restore(cluster, n, backup);
                    ctx.out().println("restored node " + n.id() + " from " + backup);
                }
            }
            for (LocalCluster.Node n : cluster.nodes()) {
                cluster = cluster.withPid(n.id(), LocalNodes.start(cluster, n));
            }
            // Recorded before waiting, so 'local down' can clean up even if this command is interrupted.
            cluster.store();
            ClusterStatus leader;
            try (LocalNodes nodes = new LocalNodes(cluster)) {
                try {
                    leader = nodes.awaitLeader(timeout);
                } catch (CliException e) {
                    printLogs(ctx, cluster, cluster.nodes());
                    nodes.stop(cluster.nodes(), Duration.ofSeconds(5)).forEach(ctx.err()::println);
                    throw CliException.failed(e.getMessage() + "; stopped the nodes (logs: " + cluster.dir() + "/n*/server.log)");
                }
            }
            for (LocalCluster.Node n : cluster.nodes()) {
                ctx.out().println("node " + n.id() + ": pid " + n.pid() + ", client " + n.clientAddress()
                        + ", peer " + n.peerAddress() + (n.metricsPort() > 0 ? ", metrics " + cluster.metricsUrl(n) : ""));
            }
            ctx.out().println("leader: node " + leader.nodeId() + " (term " + leader.term() + ")");
            ctx.out().println("endpoints: " + cluster.endpoints());
            if (cluster.tls()) {
                ctx.out().println("tls: CA " + cluster.caFile() + ", client certificate " + cluster.clientCertFile() + " and key "
                        + cluster.clientKeyFile() + " (client certificates required)");
            }
            return 0;
        }

        /** Extra server flags must be flags, and none that 'local' sets itself. */
        static void checkServerFlags(List<String> flags) {
            if (!flags.isEmpty() && !flags.get(0).startsWith("-")) {
                throw CliException.usage("unexpected argument '" + flags.get(0) + "': server flags go after --, e.g."
                        + " -- --quota-backend-bytes 4MiB");
            }
            for (String f : flags) {
                String name = f.contains("=") ? f.substring(0, f.indexOf('=')) : f;
                boolean tlsFlag = name.contains("cert") || name.endsWith("-key-file") || name.endsWith("-ca-file");
                if (LocalCluster.OWN_FLAGS.contains(name) && tlsFlag) {
                    throw CliException.usage(name + ": 'raftkv local up --tls' sets the TLS flags of every node (a throwaway CA"
                            + " and certificates); it cannot be passed after --");
                }
                if (LocalCluster.OWN_FLAGS.contains(name)) {
                    throw CliException.usage(name + " is set by 'raftkv local' for each node; it cannot be passed after --");
                }
            }
        }

        /** java, its options and the entry point: what {@code server <flags>} is appended to. */
        private static List<String> prefix(ServerLauncher l) {
            List<String> cmd = l.command(List.of());
            return cmd.subList(0, cmd.size() - 1);
        }

        private LocalCluster resume(LocalCluster old) {
            if (nodes != null && nodes != old.nodes().size()) {
                throw CliException.usage(old.dir() + " holds a stopped " + old.nodes().size() + "-node cluster; add --fresh to"
                        + " discard it and start " + nodes + " nodes (or use another --dir)");
            }
            List<String> busy = new ArrayList<>();
            for (LocalCluster.Node n : old.nodes()) {
                for (int port : new int[] {n.peerPort(), n.clientPort(), n.metricsPort()}) {
                    if (port > 0 && !Ports.isFree(port)) {
                        busy.add(Integer.toString(port));
                    }
                }
            }
            if (!busy.isEmpty()) {
                throw CliException.failed("ports " + String.join(",", busy) + " of the stopped cluster in " + old.dir()
                        + " are in use; free them, or add --fresh to discard its data and use other ports");
            }
            ctx.err().println("restarting the stopped cluster in " + old.dir() + " with its data (--fresh discards it)");
            return old;
        }

        private LocalCluster create(Path dir) {
            int n = nodes == null ? 3 : nodes;
            int highest = 65535 - Ports.METRICS_OFFSET - (n - 1);
            if (basePort != null && (basePort < 0 || basePort > highest)) {
                throw CliException.usage("--base-port must be 0 (any free ports) or 1.." + highest + " for " + n
                        + " nodes (its metrics ports run to P+" + (Ports.METRICS_OFFSET + n - 1) + "), got " + basePort);
            }
            Ports.Plan plan = Ports.choose(n, basePort == null ? Ports.DEFAULT_BASE : basePort, Ports::isFree);
            if (plan.fallback() && basePort != null && basePort != 0) {
                throw CliException.failed("ports " + basePort + ".." + (basePort + n - 1) + ", " + (basePort + Ports.CLIENT_OFFSET)
                        + ".." + (basePort + Ports.CLIENT_OFFSET + n - 1) + " or " + (basePort + Ports.METRICS_OFFSET) + ".."
                        + (basePort + Ports.METRICS_OFFSET + n - 1) + " are not free (--base-port " + basePort + ")");
            }
            List<LocalCluster.Node> members = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                members.add(new LocalCluster.Node(i + 1, plan.peer().get(i), plan.client().get(i), plan.metrics().get(i), 0));
            }
            // A fresh token per cluster: a data dir left from another cluster fails loudly instead of joining.
            String token = "local-" + UUID.randomUUID().toString().substring(0, 8);
            return new LocalCluster(dir, token, List.of(), members);
        }
    }

    @Command(name = "status", description = "Show every node: process state and Raft status.")
    static final class StatusCmd implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalOptions options;
        @Option(names = {"-w", "--write-out"}, paramLabel = "FORMAT", defaultValue = "table",
                description = "Output format: table (also simple) or json (default: ${DEFAULT-VALUE}).")
        ClientOptions.Format format;

        StatusCmd(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            Table t = new Table("ID", "PID", "PROCESS", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "CLIENT");
            List<Object> json = new ArrayList<>();
            try (LocalNodes nodes = new LocalNodes(cluster)) {
                for (LocalCluster.Node n : cluster.nodes()) {
                    NodeProcess.State state = nodes.state(n);
                    String pid = n.pid() > 0 ? Long.toString(n.pid()) : "-";
                    String process = state.name().toLowerCase(Locale.ROOT);
                    // A paused node would only time out: do not ask it.
                    Optional<ClusterStatus> s = state == NodeProcess.State.ALIVE ? nodes.status(n) : Optional.empty();
                    Map<String, Object> j = new LinkedHashMap<>();
                    j.put("id", n.id());
                    j.put("pid", n.pid());
                    j.put("process", process);
                    j.put("client", n.clientAddress());
                    j.put("status", s.map(x -> ClusterCommands.json(new ClusterCommands.Probe(n.clientAddress(), x, null, 0)))
                            .orElse(null));
                    json.add(j);
                    if (s.isPresent()) {
                        ClusterStatus r = s.get();
                        t.row(Long.toString(n.id()), pid, process, ClusterCommands.role(r), Long.toString(r.term()),
                                r.leaderId() == 0 ? "-" : Long.toString(r.leaderId()),
                                Long.toString(r.commitIndex()), Long.toString(r.appliedIndex()), n.clientAddress());
                    } else {
                        String role = state == NodeProcess.State.ALIVE ? "no-answer" : "-";
                        t.row(Long.toString(n.id()), pid, process, role, "-", "-", "-", "-", n.clientAddress());
                    }
                }
            }
            if (format == ClientOptions.Format.json) {
                ctx.out().println(Json.write(json));
            } else {
                t.print(ctx.out());
            }
            return 0;
        }
    }

    @Command(name = "down", description = "Stop every node: SIGTERM, wait, then SIGKILL stragglers. Data is kept.")
    static final class Down implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalOptions options;
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "15s",
                description = "Grace period before SIGKILL (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        Down(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            try (LocalNodes nodes = new LocalNodes(cluster)) {
                nodes.stop(cluster.nodes(), timeout).forEach(ctx.out()::println);
            }
            return 0;
        }
    }

    @Command(name = "kill", description = "SIGKILL node N, the current leader, or every running node.")
    static final class Kill implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalOptions options;
        @Parameters(index = "0", paramLabel = "N|leader|all", description = "Which node: its id, 'leader', or 'all'.")
        String target;

        Kill(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            try (LocalNodes nodes = new LocalNodes(cluster)) {
                for (LocalCluster.Node n : running(nodes, target)) {
                    if (!nodes.running(n).kill(Duration.ofSeconds(10))) {
                        throw CliException.failed("node " + n.id() + " (pid " + n.pid() + ") survived SIGKILL for 10s");
                    }
                    ctx.out().println("killed node " + n.id() + " (pid " + n.pid() + ")");
                }
            }
            return 0;
        }
    }

    @Command(name = "pause", description = "SIGSTOP node N, the current leader, or every running node (alive, never answering).")
    static final class Pause implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalOptions options;
        @Parameters(index = "0", paramLabel = "N|leader|all", description = "Which node: its id, 'leader', or 'all'.")
        String target;

        Pause(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            try (LocalNodes nodes = new LocalNodes(cluster)) {
                for (LocalCluster.Node n : running(nodes, target)) {
                    nodes.running(n).pause();
                    ctx.out().println("paused node " + n.id() + " (pid " + n.pid() + ")");
                }
            }
            return 0;
        }
    }

    @Command(name = "resume", description = "SIGCONT node N, or every paused node.")
    static final class Resume implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalOptions options;
        @Parameters(index = "0", paramLabel = "N|all", description = "Which node: its id, or 'all' paused nodes.")
        String target;

        Resume(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            try (LocalNodes nodes = new LocalNodes(cluster)) {
                List<LocalCluster.Node> targets = new ArrayList<>();
                if (target.equals("all")) {
                    cluster.nodes().stream().filter(n -> nodes.state(n) == NodeProcess.State.PAUSED).forEach(targets::add);
                    if (targets.isEmpty()) {
                        ctx.out().println("no paused nodes");
                    }
                } else {
                    LocalCluster.Node n = cluster.node(parseId(target, "N|all"));
                    nodes.running(n);
                    targets.add(n);
                }
                for (LocalCluster.Node n : targets) {
                    nodes.running(n).resume();
                    ctx.out().println("resumed node " + n.id() + " (pid " + n.pid() + ")");
                }
            }
            return 0;
        }
    }

    @Command(name = "restart", description = "Start node N (the leader, or every node) again with its flags and data, stopping it first if it runs.")
    static final class Restart implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalOptions options;
        @Parameters(index = "0", paramLabel = "N|leader|all", description = "Which node: its id, 'leader', or 'all'.")
        String target;
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                description = "How long to wait until the node answers (default: ${DEFAULT-VALUE}).")
        Duration timeout;
        @Option(names = "--server-jar", paramLabel = "JAR",
                description = "Run the node from this server jar from now on (a rolling upgrade, one node at a time); remembered.")
        Path serverJar;
        @Parameters(index = "1..*", paramLabel = "SERVER_FLAG", arity = "0..*",
                description = "After --: the flags every node is started with from now on, replacing the remembered ones"
                        + " (a rolling configuration change: restart one node at a time), e.g. 1 -- --quota-backend-bytes 4MiB.")
        List<String> serverFlags = new ArrayList<>();

        Restart(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            Path jar = serverJar == null ? null : ctx.resolve(serverJar);
            if (jar != null && !java.nio.file.Files.isRegularFile(jar)) {
                throw CliException.usage("--server-jar: no file " + jar);
            }
            Up.checkServerFlags(serverFlags);
            if (!serverFlags.isEmpty()) {
                cluster = cluster.withServerFlags(serverFlags);
            }
            List<LocalCluster.Node> targets;
            try (LocalNodes nodes = new LocalNodes(cluster)) {
                targets = nodes.pick(target);
                nodes.stop(targets.stream().filter(n -> nodes.state(n) != NodeProcess.State.DEAD).toList(), Duration.ofSeconds(15))
                        .forEach(ctx.err()::println);
            }
            for (LocalCluster.Node n : targets) {
                if (jar != null) {
                    cluster = cluster.withNode(cluster.node(n.id()).withServerJar(jar.toString()));
                }
                cluster = cluster.withPid(n.id(), LocalNodes.start(cluster, cluster.node(n.id())));
            }
            cluster.store();
            try (LocalNodes nodes = new LocalNodes(cluster)) {
                for (LocalCluster.Node n : targets) {
                    LocalCluster.Node started = cluster.node(n.id());
                    try {
                        nodes.awaitAnswer(started, timeout);
                    } catch (CliException e) {
                        printLogs(ctx, cluster, List.of(started));
                        throw e;
                    }
                    ctx.out().println("restarted node " + n.id() + " (pid " + started.pid() + ")");
                }
            }
            return 0;
        }
    }

    /** The nodes {@code target} names that run; "all" skips the dead ones, a named dead node is an error. */
    private static List<LocalCluster.Node> running(LocalNodes nodes, String target) {
        List<LocalCluster.Node> picked = nodes.pick(target);
        if (target.equals("all")) {
            List<LocalCluster.Node> alive = picked.stream().filter(n -> nodes.state(n) != NodeProcess.State.DEAD).toList();
            if (alive.isEmpty()) {
                throw CliException.failed("no node is running (see 'raftkv local status')");
            }
            return alive;
        }
        picked.forEach(nodes::running);
        return picked;
    }

    private static List<String> describeRunning(LocalCluster c) {
        List<String> running = new ArrayList<>();
        for (LocalCluster.Node n : c.nodes()) {
            NodeProcess.find(n.pid(), c.dataDir(n.id()).toString()).ifPresent(p -> running.add("node " + n.id() + " pid " + n.pid()
                    + (p.state() == NodeProcess.State.PAUSED ? " paused" : "")));
        }
        return running;
    }

    static long parseId(String text, String what) {
        try {
            long id = Long.parseLong(text.trim());
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // fall through to the usage error
        }
        throw CliException.usage("expected " + what + ", got '" + text + "'");
    }

    static void printLogs(CliContext ctx, LocalCluster cluster, List<LocalCluster.Node> nodes) {
        for (LocalCluster.Node n : nodes) {
            Path log = cluster.logFile(n.id());
            ctx.err().println("--- node " + n.id() + ": " + log + " (last " + LOG_LINES + " lines) ---");
            NodeProcess.tail(log, LOG_LINES).forEach(ctx.err()::println);
        }
        ctx.err().flush();
    }
}
