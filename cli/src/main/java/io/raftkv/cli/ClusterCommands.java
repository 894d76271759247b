package io.raftkv.cli;

import io.raftkv.client.ClusterStatus;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.RaftKvException;
import io.raftkv.client.UnavailableException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Cluster commands: {@code status} and {@code endpoint status} (each endpoint's own view), {@code endpoint
 * health}, {@code members}, {@code transfer}, {@code version}.
 *
 * <pre>
 * status / endpoint status   table ENDPOINT ID ROLE TERM LEADER COMMIT APPLIED (+ LEARNER LAST ALARMS for endpoint status)
 * endpoint health            &lt;endpoint&gt; is healthy: leader &lt;id&gt;, term &lt;t&gt;, took &lt;ms&gt; ms | is unhealthy: &lt;why&gt;
 * members                    table ID PEER CLIENT ROLE
 * transfer ID                OK leadership moves to node &lt;id&gt;
 * </pre>
 */
final class ClusterCommands {
    private ClusterCommands() {
    }

    static CommandLine endpoint(CliContext ctx) {
        CommandLine endpoint = new CommandLine(new EndpointGroup());
        endpoint.addSubcommand("status", new EndpointStatus(ctx));
        endpoint.addSubcommand("health", new EndpointHealth(ctx));
        return endpoint;
    }

    /** leader, follower, candidate, pre-candidate; removed for a node that was removed. */
    static String role(ClusterStatus s) {
        return s.removed() ? "removed" : s.role().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** One endpoint's answer, or why there was none. */
    record Probe(String endpoint, ClusterStatus status, String error, long micros) {
    }

    /** Asks every endpoint (each on its own, no redirects); with {@code cluster}, every member the first answer names. */
    static List<Probe> probe(CliContext ctx, ClientOptions o, boolean cluster) {
        Endpoints.Resolved r = o.resolve(ctx);
        try (RaftKvClient c = o.client(r)) {
            List<Probe> seeds = new ArrayList<>();
            for (String ep : r.endpoints()) {
                Probe p = probe(c, ep);
                seeds.add(p);
                if (cluster && p.status() != null) {
                    return probeMembers(c, leaderView(c, p), seeds, r.endpoints());
                }
            }
            return seeds;
        }
    }

    /**
     * The member list to probe: the leader's if the first answer names one. A follower learns a peer's client
     * address only from that peer's own traffic, and followers rarely talk to each other; every member talks
     * to the leader.
     */
    private static Probe leaderView(RaftKvClient c, Probe first) {
        ClusterStatus s = first.status();
        if (s.role() == ClusterStatus.Role.LEADER || s.leaderAddress().isEmpty() || s.leaderAddress().equals(first.endpoint())) {
            return first;
        }
        Probe leader = probe(c, s.leaderAddress());
        return leader.status() == null ? first : leader;
    }

    /**
     * Every member: asked at its client address; where the view has none (a member that just restarted and has
     * no leader yet knows no one's), the given endpoints not asked yet are tried for that member's id; failing
     * that it is named as unknown (never left out). An endpoint already asked keeps its first answer: asking a
     * dead one again would only meet its open circuit breaker instead of the real reason.
     */
    private static List<Probe> probeMembers(RaftKvClient c, Probe view, List<Probe> asked, List<String> given) {
        List<Probe> known = new ArrayList<>(asked);
        known.add(view);
        List<Probe> out = new ArrayList<>();
        for (ClusterStatus.Member m : view.status().members()) {
            String address = m.clientAddress();
            if (!address.isEmpty()) {
                out.add(ask(c, address, known));
                continue;
            }
            Probe found = null;
            for (int i = 0; i < given.size() && found == null; i++) {
                Probe p = ask(c, given.get(i), known);
                found = p.status() != null && p.status().nodeId() == m.id() ? p : null;
            }
            out.add(found != null ? found
                    : new Probe("node " + m.id(), null, "client address unknown to node " + view.status().nodeId(), 0));
        }
        return out;
    }

    /** The endpoint's answer: the one already had if it was asked, else a new probe (remembered in {@code known}). */
    private static Probe ask(RaftKvClient c, String endpoint, List<Probe> known) {
        for (Probe p : known) {
            if (p.endpoint().equals(endpoint)) {
                return p;
            }
        }
        Probe p = probe(c, endpoint);
        known.add(p);
        return p;
    }

    private static Probe probe(RaftKvClient c, String endpoint) {
        long t0 = System.nanoTime();
        try {
            return new Probe(endpoint, c.status(endpoint), null, (System.nanoTime() - t0) / 1000);
        } catch (RaftKvException e) {
            // The endpoint's own failure ("unreachable (...)", a removed node's refusal) says it best.
            String why = e instanceof UnavailableException u && u.endpointFailures().size() == 1
                    ? u.endpointFailures().values().iterator().next() : Failures.of(e).getMessage();
            return new Probe(endpoint, null, why, (System.nanoTime() - t0) / 1000);
        }
    }

    static Map<String, Object> json(Probe p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("endpoint", p.endpoint());
        if (p.status() == null) {
            m.put("error", p.error());
            return m;
        }
        ClusterStatus s = p.status();
        m.put("id", s.nodeId());
        m.put("role", role(s));
        m.put("learner", s.learner());
        m.put("term", s.term());
        m.put("leader", s.leaderId());
        m.put("commit_index", s.commitIndex());
        m.put("applied_index", s.appliedIndex());
        m.put("last_index", s.lastIndex());
        m.put("cluster_id", Long.toHexString(s.clusterId()));
        m.put("removed", s.removed());
        m.put("storage_failure", s.storageFailure());
        m.put("alarms", s.alarms().stream().map(a -> Map.of("member", a.member(), "type", a.type(), "detail", a.detail())).toList());
        m.put("version", s.version());
        m.put("state_bytes", s.space().stateBytes());
        m.put("quota_bytes", s.space().quotaBytes());
        m.put("db_bytes", s.space().dbBytes());
        m.put("disk_free_bytes", s.space().diskFreeBytes());
        return m;
    }

    /** Bytes as etcdctl shows DB SIZE: the largest unit that keeps a number of at least 1. */
    static String size(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String alarms(ClusterStatus s) {
        return s.alarms().isEmpty() ? "-" : s.alarms().stream().map(a -> a.type() + (a.member() == 0 ? "" : "@" + a.member()))
                .collect(Collectors.joining(","));
    }

    private static String dash(long v) {
        return v == 0 ? "-" : Long.toString(v);
    }

    /** Prints the probes as a table or JSON; exit 1 if one endpoint did not answer. */
    static int printStatus(CliContext ctx, ClientOptions o, List<Probe> probes, boolean wide) {
        if (o.format == ClientOptions.Format.json) {
            ctx.out().println(Json.write(probes.stream().map(ClusterCommands::json).toList()));
        } else {
            Table t = wide ? new Table("ENDPOINT", "ID", "VERSION", "DB SIZE", "STATE/QUOTA", "ROLE", "LEARNER", "TERM", "LEADER",
                    "COMMIT", "APPLIED", "LAST", "ALARMS")
                    : new Table("ENDPOINT", "ID", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED");
            for (Probe p : probes) {
                ClusterStatus s = p.status();
                if (s == null) {
                    t.row(wide ? new String[] {p.endpoint(), "-", "-", "-", "-", "unreachable", "-", "-", "-", "-", "-", "-", "-"}
                            : new String[] {p.endpoint(), "-", "unreachable", "-", "-", "-", "-"});
                } else if (wide) {
                    t.row(p.endpoint(), Long.toString(s.nodeId()), s.version().isEmpty() ? "-" : s.version(),
                            size(s.space().dbBytes()), size(s.space().stateBytes()) + "/" + size(s.space().quotaBytes()),
                            role(s), Boolean.toString(s.learner()), Long.toString(s.term()),
                            dash(s.leaderId()), Long.toString(s.commitIndex()), Long.toString(s.appliedIndex()),
                            Long.toString(s.lastIndex()), alarms(s));
                } else {
                    t.row(p.endpoint(), Long.toString(s.nodeId()), role(s), Long.toString(s.term()), dash(s.leaderId()),
                            Long.toString(s.commitIndex()), Long.toString(s.appliedIndex()));
                }
            }
            t.print(ctx.out());
        }
        for (Probe p : probes) {
            if (p.status() == null) {
                ctx.err().println(p.endpoint() + ": " + p.error());
            } else if (!p.status().storageFailure().isEmpty()) {
                ctx.err().println("node " + p.status().nodeId() + ": storage failed: " + p.status().storageFailure());
            }
        }
        return probes.stream().allMatch(p -> p.status() != null) ? 0 : CliException.FAILED;
    }

    @Command(name = "status", description = "Ask every endpoint for its own status, one line each (exit 1 if one did not answer).")
    static final class StatusCmd implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;

        StatusCmd(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            return printStatus(ctx, options, probe(ctx, options, false), false);
        }
    }

    @Command(name = "endpoint", mixinStandardHelpOptions = true,
            description = {"Per-endpoint checks, as etcdctl's:", "",
                "  raftkv endpoint status [--cluster]   version, sizes, role, term, indexes, learner, alarms of each endpoint",
                "  raftkv endpoint health [--cluster]   whether each endpoint serves (a leader, not removed, no alarm)"})
    static final class EndpointGroup implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    @Command(name = "status", description = "Each endpoint's status: role, learner, term, leader, commit/applied/last index, alarms.")
    static final class EndpointStatus implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Option(names = "--cluster", description = "Ask every member of the cluster, not just the endpoints given.")
        boolean cluster;

        EndpointStatus(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            return printStatus(ctx, options, probe(ctx, options, cluster), true);
        }
    }

    @Command(name = "health", description = {"Whether each endpoint serves: it answers, knows a leader, was not removed, and no alarm",
        "names it and its storage works. Exit 1 if one is unhealthy."})
    static final class EndpointHealth implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Option(names = "--cluster", description = "Check every member of the cluster, not just the endpoints given.")
        boolean cluster;

        EndpointHealth(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            List<Object> json = new ArrayList<>();
            boolean allHealthy = true;
            for (Probe p : probe(ctx, options, cluster)) {
                String why = unhealthy(p);
                allHealthy &= why == null;
                String took = String.format(Locale.ROOT, "%.1f ms", p.micros() / 1000.0);
                if (options.format == ClientOptions.Format.json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("endpoint", p.endpoint());
                    m.put("health", why == null);
                    m.put("took", took);
                    m.put("error", why == null ? "" : why);
                    json.add(m);
                } else if (why == null) {
                    ctx.out().println(p.endpoint() + " is healthy: leader " + p.status().leaderId() + ", term " + p.status().term()
                            + ", took " + took);
                } else {
                    ctx.out().println(p.endpoint() + " is unhealthy: " + why);
                }
            }
            if (options.format == ClientOptions.Format.json) {
                ctx.out().println(Json.write(json));
            }
            return allHealthy ? 0 : CliException.FAILED;
        }

        private static String unhealthy(Probe p) {
            ClusterStatus s = p.status();
            if (s == null) {
                return p.error();
            }
            if (s.removed()) {
                return "node " + s.nodeId() + " was removed from the cluster";
            }
            if (!s.storageFailure().isEmpty()) {
                return "storage failed: " + s.storageFailure();
            }
            List<String> mine = s.alarms().stream().filter(a -> a.member() == 0 || a.member() == s.nodeId())
                    .map(a -> a.type() + ": " + a.detail()).toList();
            if (!mine.isEmpty()) {
                return "alarm " + String.join("; ", mine);
            }
            return s.leaderId() == 0 ? "no leader (term " + s.term() + ")" : null;
        }
    }

    @Command(name = "transfer", description = "Ask the leader to hand leadership to voter ID (0: the most up-to-date follower).")
    static final class Transfer implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "ID", description = "The voter to lead, or 0 for the most up-to-date follower.")
        long target;

        Transfer(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            if (target < 0) {
                throw CliException.usage("ID must be a node id or 0, got " + target);
            }
            try (RaftKvClient c = options.client(ctx)) {
                long to = c.transferLeadership(target);
                KvCommands.print(ctx, options, Map.of("transferee", to), "OK leadership moves to node " + to);
            }
            return 0;
        }
    }

    @Command(name = "version", description = "Print the CLI's version and the Java it runs on.")
    static final class VersionCmd implements Callable<Integer> {
        private final CliContext ctx;
        @Option(names = {"-w", "--write-out"}, paramLabel = "FORMAT", defaultValue = "simple",
                description = "Output format: simple, table or json (default: ${DEFAULT-VALUE}).")
        ClientOptions.Format format;
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        VersionCmd(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            String java = System.getProperty("java.version");
            if (format == ClientOptions.Format.json) {
                ctx.out().println(Json.write(Map.of("raftkv", Main.VERSION, "java", java)));
            } else {
                ctx.out().println("raftkv version: " + Main.VERSION);
                ctx.out().println("java version: " + java);
            }
            return 0;
        }
    }
}
