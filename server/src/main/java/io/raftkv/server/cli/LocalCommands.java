package io.raftkv.server.cli;

import io.grpc.StatusRuntimeException;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.Role;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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
 * up        node &lt;id&gt;: pid &lt;pid&gt;, client &lt;addr&gt;, peer &lt;addr&gt;   (per node)
 *           leader: node &lt;id&gt; (term &lt;t&gt;)
 *           endpoints: &lt;addr&gt;,&lt;addr&gt;,...
 * status    table ID PID PROCESS ROLE TERM LEADER COMMIT APPLIED CLIENT  (PROCESS: alive|paused|dead)
 * down      stopped node &lt;id&gt; (pid &lt;pid&gt;) | killed node &lt;id&gt; (pid &lt;pid&gt;) after &lt;t&gt; | node &lt;id&gt; was not running
 * kill      killed node &lt;id&gt; (pid &lt;pid&gt;)
 * pause     paused node &lt;id&gt; (pid &lt;pid&gt;)
 * resume    resumed node &lt;id&gt; (pid &lt;pid&gt;)
 * restart   restarted node &lt;id&gt; (pid &lt;pid&gt;)
 * </pre>
 */
final class LocalCommands {
    private LocalCommands() {
    }

    /**
     * How long one Status call may take. A healthy node answers in milliseconds, but the first call of a
     * fresh CLI JVM pays for class loading and the connection, which can take a second on a busy laptop.
     */
    private static final Duration POLL = Duration.ofSeconds(3);
    private static final long POLL_INTERVAL_MS = 100;
    private static final int LOG_LINES = 20;
    static final String DEFAULT_DIR = ".local-cluster";

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

    @Command(name = "local", description = "Run a local cluster of node processes on 127.0.0.1 and break it.")
    static final class Local implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

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
                description = "Peer ports P.., client ports P+1000.., metrics ports P+2000.. (default: 7001 if free, else any free ports).")
        Integer basePort;
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                description = "How long to wait for a leader (default: ${DEFAULT-VALUE}).")
        Duration timeout;
        @Option(names = "--fresh", description = "Discard a stopped cluster's data in DIR instead of restarting it.")
        boolean fresh;

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
            LocalCluster cluster;
            if (existing.isPresent() && !fresh) {
                cluster = resume(existing.get());
            } else {
                if (fresh) {
                    LocalCluster.wipe(dir);
                }
                cluster = create(dir);
            }
            cluster = cluster.withLauncher(ctx.launcher().get());
            for (LocalCluster.Node n : cluster.nodes()) {
                long pid = NodeProcesses.start(cluster.command(n.id()), cluster.nodeDir(n.id()), cluster.logFile(n.id()));
                cluster = cluster.withPid(n.id(), pid);
            }
            // Recorded before waiting, so 'local down' can clean up even if this command is interrupted.
            cluster.store();
            StatusResponse leader;
            try {
                leader = awaitLeader(ctx, cluster, timeout);
            } catch (CliException e) {
                printLogs(ctx, cluster);
                for (String line : stopAll(cluster, Duration.ofSeconds(5))) {
                    ctx.err().println(line);
                }
                throw CliException.failed(e.getMessage() + "; stopped the nodes (logs: " + cluster.dir() + "/n*/server.log)");
            }
            for (LocalCluster.Node n : cluster.nodes()) {
                ctx.out().println("node " + n.id() + ": pid " + n.pid() + ", client " + n.clientAddress()
                        + ", peer " + n.peerAddress() + (n.metricsPort() > 0 ? ", metrics " + n.metricsUrl() : ""));
            }
            ctx.out().println("leader: node " + leader.getId() + " (term " + leader.getTerm() + ")");
            ctx.out().println("endpoints: " + cluster.endpoints());
            return 0;
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
            Ports.Plan plan = Ports.choose(n, basePort == null ? Ports.DEFAULT_BASE : basePort, Ports::isFree);
            if (plan.fallback() && basePort != null) {
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

        StatusCmd(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            Table t = new Table("ID", "PID", "PROCESS", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "CLIENT");
            try (ClusterClient client = client(ctx, cluster)) {
                for (LocalCluster.Node n : cluster.nodes()) {
                    NodeProcesses.State state = state(cluster, n);
                    String pid = n.pid() > 0 ? Long.toString(n.pid()) : "-";
                    String process = state.name().toLowerCase(java.util.Locale.ROOT);
                    // A paused node would only time out: do not ask it.
                    Optional<StatusResponse> s = state == NodeProcesses.State.ALIVE ? status(client, n) : Optional.empty();
                    if (s.isPresent()) {
                        StatusResponse r = s.get();
                        t.row(Long.toString(n.id()), pid, process, ClientCommands.role(r.getRole()), Long.toString(r.getTerm()),
                                r.getLeaderId() == 0 ? "-" : Long.toString(r.getLeaderId()),
                                Long.toString(r.getCommitIndex()), Long.toString(r.getAppliedIndex()), n.clientAddress());
                    } else {
                        String role = state == NodeProcesses.State.ALIVE ? "no-answer" : "-";
                        t.row(Long.toString(n.id()), pid, process, role, "-", "-", "-", "-", n.clientAddress());
                    }
                }
            }
            t.print(ctx.out());
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
            stopAll(cluster, timeout).forEach(ctx.out()::println);
            return 0;
        }
    }

    @Command(name = "kill", description = "SIGKILL node N, or the current leader.")
    static final class Kill implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalOptions options;
        @Parameters(index = "0", paramLabel = "N|leader")
        String target;

        Kill(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            LocalCluster.Node n = pick(ctx, cluster, target);
            ProcessHandle h = running(cluster, n);
            h.destroyForcibly();
            if (!NodeProcesses.awaitExit(h, Duration.ofSeconds(10))) {
                throw CliException.failed("node " + n.id() + " (pid " + n.pid() + ") survived SIGKILL for 10s");
            }
            ctx.out().println("killed node " + n.id() + " (pid " + n.pid() + ")");
            return 0;
        }
    }

    @Command(name = "pause", description = "SIGSTOP node N, or the current leader (it looks alive but never answers).")
    static final class Pause implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalOptions options;
        @Parameters(index = "0", paramLabel = "N|leader")
        String target;

        Pause(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            LocalCluster.Node n = pick(ctx, cluster, target);
            running(cluster, n);
            NodeProcesses.signal(n.pid(), "STOP");
            if (!NodeProcesses.awaitStopped(n.pid(), true, Duration.ofSeconds(5))) {
                throw CliException.failed("node " + n.id() + " (pid " + n.pid() + ") did not stop after SIGSTOP");
            }
            ctx.out().println("paused node " + n.id() + " (pid " + n.pid() + ")");
            return 0;
        }
    }

    @Command(name = "resume", description = "SIGCONT node N, or every paused node.")
    static final class Resume implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalOptions options;
        @Parameters(index = "0", paramLabel = "N|all")
        String target;

        Resume(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            List<LocalCluster.Node> targets = new ArrayList<>();
            if (target.equals("all")) {
                for (LocalCluster.Node n : cluster.nodes()) {
                    if (state(cluster, n) == NodeProcesses.State.PAUSED) {
                        targets.add(n);
                    }
                }
                if (targets.isEmpty()) {
                    ctx.out().println("no paused nodes");
                }
            } else {
                LocalCluster.Node n = cluster.node(parseId(target, "N|all"));
                if (state(cluster, n) == NodeProcesses.State.DEAD) {
                    throw CliException.failed("node " + n.id() + " is not running (start it with 'raftkv local restart " + n.id() + "')");
                }
                targets.add(n);
            }
            for (LocalCluster.Node n : targets) {
                NodeProcesses.signal(n.pid(), "CONT");
                NodeProcesses.awaitStopped(n.pid(), false, Duration.ofSeconds(5));
                ctx.out().println("resumed node " + n.id() + " (pid " + n.pid() + ")");
            }
            return 0;
        }
    }

    @Command(name = "restart", description = "Start node N again with its flags and data (stopping it first if it runs).")
    static final class Restart implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalOptions options;
        @Parameters(index = "0", paramLabel = "N")
        String target;
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                description = "How long to wait until the node answers (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        Restart(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            LocalCluster.Node n = cluster.node(parseId(target, "N"));
            if (state(cluster, n) != NodeProcesses.State.DEAD) {
                ctx.err().println(stop(cluster, n, Duration.ofSeconds(15)));
            }
            long pid = NodeProcesses.start(cluster.command(n.id()), cluster.nodeDir(n.id()), cluster.logFile(n.id()));
            cluster = cluster.withPid(n.id(), pid);
            cluster.store();
            LocalCluster.Node started = cluster.node(n.id());
            try {
                awaitAnswer(ctx, cluster, started, timeout);
            } catch (CliException e) {
                printLog(ctx, cluster, started);
                throw e;
            }
            ctx.out().println("restarted node " + n.id() + " (pid " + pid + ")");
            return 0;
        }
    }

    // ---- shared helpers ----

    /** A node's pid counts only if its command line names the node's data directory. */
    static NodeProcesses.State state(LocalCluster c, LocalCluster.Node n) {
        return NodeProcesses.state(n.pid(), c.dataDir(n.id()).toString());
    }

    private static List<String> describeRunning(LocalCluster c) {
        List<String> running = new ArrayList<>();
        for (LocalCluster.Node n : c.nodes()) {
            NodeProcesses.State s = state(c, n);
            if (s != NodeProcesses.State.DEAD) {
                running.add("node " + n.id() + " pid " + n.pid() + (s == NodeProcesses.State.PAUSED ? " paused" : ""));
            }
        }
        return running;
    }

    private static ProcessHandle running(LocalCluster c, LocalCluster.Node n) {
        return NodeProcesses.handle(n.pid(), c.dataDir(n.id()).toString()).orElseThrow(() -> CliException.failed(
                "node " + n.id() + " is not running (start it with 'raftkv local restart " + n.id() + "')"));
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

    /** Node N, or the node that currently claims leadership in the highest term. */
    private static LocalCluster.Node pick(CliContext ctx, LocalCluster cluster, String target) {
        if (!target.equals("leader")) {
            return cluster.node(parseId(target, "N|leader"));
        }
        StatusResponse best = null;
        try (ClusterClient client = client(ctx, cluster)) {
            for (LocalCluster.Node n : cluster.nodes()) {
                if (state(cluster, n) != NodeProcesses.State.ALIVE) {
                    continue;
                }
                Optional<StatusResponse> s = status(client, n);
                if (s.isPresent() && s.get().getRole() == Role.LEADER && (best == null || s.get().getTerm() > best.getTerm())) {
                    best = s.get();
                }
            }
        }
        if (best == null) {
            throw CliException.failed("no node is leader right now (see 'raftkv local status')");
        }
        return cluster.node(best.getId());
    }

    static ClusterClient client(CliContext ctx, LocalCluster cluster) {
        List<String> eps = cluster.nodes().stream().map(LocalCluster.Node::clientAddress).collect(Collectors.toList());
        return new ClusterClient(eps, POLL, ctx.channels());
    }

    static Optional<StatusResponse> status(ClusterClient client, LocalCluster.Node n) {
        try {
            return Optional.of(client.callAt(n.clientAddress(), POLL,
                    (ch, dl) -> ClusterGrpc.newBlockingStub(ch).withDeadline(dl).status(StatusRequest.getDefaultInstance())));
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Polls Status until every node answers and all agree on one leader that says it leads: then clients
     * can use any endpoint at once. Fails early when a node process dies (a bind error, a bad data dir).
     */
    static StatusResponse awaitLeader(CliContext ctx, LocalCluster cluster, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "no node answered";
        try (ClusterClient client = client(ctx, cluster)) {
            while (true) {
                Map<Long, StatusResponse> answers = new LinkedHashMap<>();
                for (LocalCluster.Node n : cluster.nodes()) {
                    if (state(cluster, n) == NodeProcesses.State.DEAD) {
                        throw CliException.failed("node " + n.id() + " (pid " + n.pid() + ") exited");
                    }
                    status(client, n).ifPresent(s -> answers.put(n.id(), s));
                }
                Map<Long, Long> leaders = new HashMap<>();
                for (StatusResponse s : answers.values()) {
                    leaders.merge(s.getLeaderId(), 1L, Long::sum);
                }
                if (answers.size() == cluster.nodes().size() && leaders.size() == 1) {
                    StatusResponse leader = answers.get(leaders.keySet().iterator().next());
                    if (leader != null && leader.getRole() == Role.LEADER) {
                        return leader;
                    }
                }
                last = answers.size() + " of " + cluster.nodes().size() + " nodes answered, leaders seen: "
                        + leaders.keySet();
                if (System.nanoTime() > end) {
                    throw CliException.failed("no leader elected within " + Units.format(timeout) + " (" + last + ")");
                }
                sleep(POLL_INTERVAL_MS);
            }
        }
    }

    private static void awaitAnswer(CliContext ctx, LocalCluster cluster, LocalCluster.Node n, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        try (ClusterClient client = client(ctx, cluster)) {
            while (status(client, n).isEmpty()) {
                if (state(cluster, n) == NodeProcesses.State.DEAD) {
                    throw CliException.failed("node " + n.id() + " (pid " + n.pid() + ") exited");
                }
                if (System.nanoTime() > end) {
                    throw CliException.failed("node " + n.id() + " did not answer within " + Units.format(timeout));
                }
                sleep(POLL_INTERVAL_MS);
            }
        }
    }

    /** SIGTERM to every running node at once (SIGCONT too, or a paused node never sees it), then SIGKILL. */
    static List<String> stopAll(LocalCluster cluster, Duration grace) {
        Map<LocalCluster.Node, ProcessHandle> running = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        for (LocalCluster.Node n : cluster.nodes()) {
            Optional<ProcessHandle> h = NodeProcesses.handle(n.pid(), cluster.dataDir(n.id()).toString());
            if (h.isPresent()) {
                h.get().destroy();
                if (NodeProcesses.stopped(n.pid())) {
                    NodeProcesses.signal(n.pid(), "CONT");
                }
                running.put(n, h.get());
            }
        }
        long end = System.nanoTime() + grace.toNanos();
        for (LocalCluster.Node n : cluster.nodes()) {
            ProcessHandle h = running.get(n);
            if (h == null) {
                lines.add("node " + n.id() + " was not running");
                continue;
            }
            Duration left = Duration.ofNanos(Math.max(0, end - System.nanoTime()));
            if (NodeProcesses.awaitExit(h, left)) {
                lines.add("stopped node " + n.id() + " (pid " + n.pid() + ")");
            } else {
                h.destroyForcibly();
                NodeProcesses.awaitExit(h, Duration.ofSeconds(5));
                lines.add("killed node " + n.id() + " (pid " + n.pid() + ") after " + Units.format(grace));
            }
        }
        return lines;
    }

    private static String stop(LocalCluster cluster, LocalCluster.Node n, Duration grace) {
        LocalCluster only = new LocalCluster(cluster.dir(), cluster.token(), cluster.launcher(), List.of(n));
        return stopAll(only, grace).get(0);
    }

    private static void printLogs(CliContext ctx, LocalCluster cluster) {
        for (LocalCluster.Node n : cluster.nodes()) {
            printLog(ctx, cluster, n);
        }
    }

    private static void printLog(CliContext ctx, LocalCluster cluster, LocalCluster.Node n) {
        Path log = cluster.logFile(n.id());
        ctx.err().println("--- node " + n.id() + ": " + log + " (last " + LOG_LINES + " lines) ---");
        NodeProcesses.tail(log, LOG_LINES).forEach(ctx.err()::println);
        ctx.err().flush();
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failed("interrupted");
        }
    }
}
