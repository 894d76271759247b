package io.raftkv.cli;

import io.raftkv.client.ClusterStatus;
import io.raftkv.client.MembershipChange;
import io.raftkv.client.RaftKvClient;
import java.util.LinkedHashMap;
import java.util.List;
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
 * {@code raftkv member list|add|promote|remove}: membership changes, one node at a time, the way etcd does
 * them (add a learner, start it, promote it once caught up, remove the node it replaces).
 *
 * <pre>
 * member list        table ID PEER CLIENT ROLE (also 'raftkv members')
 * member add         OK node &lt;id&gt; added as learner|voter at index &lt;n&gt;, then the command that starts it
 * member promote     OK node &lt;id&gt; is a voter at index &lt;n&gt;
 * member remove      OK node &lt;id&gt; removed at index &lt;n&gt;
 * </pre>
 */
final class MemberCommands {
    private MemberCommands() {
    }

    static CommandLine command(CliContext ctx) {
        CommandLine member = new CommandLine(new Group());
        member.addSubcommand("list", new ListCmd(ctx));
        member.addSubcommand("add", new Add(ctx));
        member.addSubcommand("promote", new Promote(ctx));
        member.addSubcommand("remove", new Remove(ctx));
        return member;
    }

    // No '%' in descriptions: picocli formats them (a lone % printed a format warning instead of the help).
    @Command(name = "member", mixinStandardHelpOptions = true,
            description = {"Change the cluster's membership, one node at a time:", "",
                "  raftkv member list                         the members and their roles",
                "  raftkv member add ID PEER --learner ...    add a node (as a learner: recommended)",
                "  raftkv member promote ID                   make a caught-up learner a voter",
                "  raftkv member remove ID                    remove a node (the leader too: it steps down)"})
    static final class Group implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    static String role(ClusterStatus.Member m, long leaderId) {
        return m.id() == leaderId ? "leader" : m.learner() ? "learner" : "voter";
    }

    static void printMembers(CliContext ctx, ClientOptions o, List<ClusterStatus.Member> members, long leaderId) {
        if (o.format == ClientOptions.Format.json) {
            ctx.out().println(Json.write(Map.of("leader", leaderId, "members", members.stream().map(m -> {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("id", m.id());
                j.put("peer", m.peerAddress());
                j.put("client", m.clientAddress());
                j.put("role", role(m, leaderId));
                return j;
            }).toList())));
            return;
        }
        Table t = new Table("ID", "PEER", "CLIENT", "ROLE");
        for (ClusterStatus.Member m : members) {
            t.row(Long.toString(m.id()), dash(m.peerAddress()), dash(m.clientAddress()), role(m, leaderId));
        }
        t.print(ctx.out());
    }

    private static String dash(String s) {
        return s.isEmpty() ? "-" : s;
    }

    @Command(name = "list", description = "List the cluster's members (table ID PEER CLIENT ROLE).")
    static final class ListCmd implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;

        ListCmd(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            try (RaftKvClient c = options.client(ctx)) {
                ClusterStatus s = c.status();
                printMembers(ctx, options, s.members(), s.leaderId());
            }
            return 0;
        }
    }

    @Command(name = "add", description = {"Add node ID, reachable by its peers at PEER (host:port), and print how to start it.",
        "Refused for an id that is or ever was a member, and (for a voter) unless a quorum of the bigger cluster is active."})
    static final class Add implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "ID", description = "The new node's id: never one used before.")
        long id;
        @Parameters(index = "1", paramLabel = "PEER", description = "The new node's peer address, host:port.")
        String peer;
        @Option(names = "--learner", description = "Add a non-voting learner (recommended): it catches up without "
                + "counting in any quorum; promote it afterwards.")
        boolean learner;
        @Option(names = "--client-addr", paramLabel = "HOST:PORT", description = "The new node's client address (optional).")
        String clientAddr;

        Add(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            positiveId(id);
            MembershipChange r;
            try (RaftKvClient c = options.client(ctx)) {
                r = c.addMember(id, peer, clientAddr == null ? "" : clientAddr, learner);
            }
            String members = r.members().stream().map(m -> m.id() + "=" + (m.id() == id ? peer : m.peerAddress()))
                    .collect(Collectors.joining(","));
            String start = "raftkv server --id " + id + " --join " + Long.toHexString(r.clusterId()) + " --initial-cluster "
                    + members + " --client-addr " + (clientAddr == null ? "HOST:PORT" : clientAddr) + " --data-dir DIR";
            if (options.format == ClientOptions.Format.json) {
                ctx.out().println(Json.write(Map.of("id", id, "learner", learner, "index", r.index(), "start", start)));
                return 0;
            }
            ctx.out().println("OK node " + id + " added as " + (learner ? "learner" : "voter") + " at index " + r.index());
            ctx.out().println("start it with: " + start);
            if (learner) {
                ctx.out().println("then, once it caught up: raftkv member promote " + id);
            }
            return 0;
        }
    }

    @Command(name = "promote", description = "Make learner ID a voter (refused until it holds 90 percent of the leader's log).")
    static final class Promote implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "ID", description = "The learner to promote.")
        long id;

        Promote(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            positiveId(id);
            try (RaftKvClient c = options.client(ctx)) {
                MembershipChange r = c.promoteMember(id);
                KvCommands.print(ctx, options, Map.of("id", id, "index", r.index()), "OK node " + id + " is a voter at index " + r.index());
            }
            return 0;
        }
    }

    @Command(name = "remove", description = {"Remove node ID from the cluster (the leader too: it steps down).",
        "Refused if the remaining active voters would not form a quorum, and for the last voter.",
        "Stop the node and delete its data afterwards."})
    static final class Remove implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "ID", description = "The member to remove.")
        long id;

        Remove(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            positiveId(id);
            try (RaftKvClient c = options.client(ctx)) {
                List<ClusterStatus.Member> voters = c.status().members().stream().filter(m -> !m.learner()).toList();
                if (voters.size() == 1 && voters.get(0).id() == id) {
                    // The leader would refuse it too, but only as "not enough active voters", retried until the deadline.
                    throw CliException.usage("cannot remove the last voter (node " + id + "): the cluster would have none;"
                            + " add and promote another member first");
                }
                MembershipChange r = c.removeMember(id);
                KvCommands.print(ctx, options, Map.of("id", id, "index", r.index()), "OK node " + id + " removed at index " + r.index());
            }
            return 0;
        }
    }

    private static void positiveId(long id) {
        if (id <= 0) {
            throw CliException.usage("ID must be a positive node id, got " + id);
        }
    }
}
