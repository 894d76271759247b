package io.raftkv.server.cli;

import io.raftkv.proto.AddMemberRequest;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.Member;
import io.raftkv.proto.MemberChangeResponse;
import io.raftkv.proto.PromoteMemberRequest;
import io.raftkv.proto.RemoveMemberRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv member add|promote|remove}: membership changes, one node at a time, through the leader.
 * The safe way to grow or replace a node is etcd's: add it as a learner, start it with the printed
 * command, promote it once it caught up. Output lines (a contract, like {@link ClientCommands}'):
 *
 * <pre>
 * member add ID PEER [--learner]   OK node &lt;id&gt; added as voter|learner at index &lt;n&gt;, then how to start it
 * member promote ID                OK node &lt;id&gt; is a voter at index &lt;n&gt;
 * member remove ID                 OK node &lt;id&gt; removed at index &lt;n&gt;
 * </pre>
 */
final class MemberCommands {
    private MemberCommands() {
    }

    @Command(name = "member", description = "Change the cluster's membership (see 'member add --help').",
            synopsisSubcommandLabel = "(add | promote | remove)")
    static final class Group implements Callable<Integer> {
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

    @Command(name = "add", description = {"Add node ID, reachable by its peers at PEER (host:port of its peer API).",
            "Prints the command that starts it. Ids are never reused: pick one that was never a member."})
    static final class Add implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientCommands.ClientOptions options;
        @Parameters(index = "0", paramLabel = "ID")
        long id;
        @Parameters(index = "1", paramLabel = "PEER")
        String peer;
        @Option(names = "--learner", description = "Add a non-voting learner (recommended): it catches up without "
                + "counting in the quorum; promote it afterwards.")
        boolean learner;
        @Option(names = "--client-addr", paramLabel = "HOST:PORT", description = "The new node's client address (optional).")
        String clientAddr;

        Add(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            AddMemberRequest req = AddMemberRequest.newBuilder().setId(positiveId(id)).setPeerAddress(peer).setLearner(learner)
                    .setClientAddress(clientAddr == null ? "" : clientAddr).build();
            MemberChangeResponse r = change(ctx, options, (ch, dl) -> ClusterGrpc.newBlockingStub(ch).withDeadline(dl).addMember(req));
            ctx.out().println("OK node " + id + " added as " + (learner ? "learner" : "voter") + " at index " + r.getIndex());
            StringBuilder members = new StringBuilder();
            for (Member m : r.getMembersList()) {
                members.append(members.length() == 0 ? "" : ",").append(m.getId()).append('=')
                        .append(m.getId() == id ? peer : m.getPeerAddress());
            }
            ctx.out().println("start it with: raftkv server --id " + id + " --join " + Long.toHexString(r.getClusterId())
                    + " --initial-cluster " + members + " --client-addr " + (clientAddr == null ? "HOST:PORT" : clientAddr)
                    + " --data-dir DIR");
            if (learner) {
                ctx.out().println("then, once it caught up: raftkv member promote " + id);
            }
            return 0;
        }
    }

    @Command(name = "promote", description = "Make learner ID a voter (refused until it holds 90% of the leader's log).")
    static final class Promote implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientCommands.ClientOptions options;
        @Parameters(index = "0", paramLabel = "ID")
        long id;

        Promote(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            PromoteMemberRequest req = PromoteMemberRequest.newBuilder().setId(positiveId(id)).build();
            MemberChangeResponse r = change(ctx, options, (ch, dl) -> ClusterGrpc.newBlockingStub(ch).withDeadline(dl).promoteMember(req));
            ctx.out().println("OK node " + id + " is a voter at index " + r.getIndex());
            return 0;
        }
    }

    @Command(name = "remove", description = {"Remove node ID from the cluster (the leader too: it steps down).",
            "Refused if the remaining active voters would not form a quorum. Stop the node and delete its data afterwards."})
    static final class Remove implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientCommands.ClientOptions options;
        @Parameters(index = "0", paramLabel = "ID")
        long id;

        Remove(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            RemoveMemberRequest req = RemoveMemberRequest.newBuilder().setId(positiveId(id)).build();
            MemberChangeResponse r = change(ctx, options, (ch, dl) -> ClusterGrpc.newBlockingStub(ch).withDeadline(dl).removeMember(req));
            ctx.out().println("OK node " + id + " removed at index " + r.getIndex());
            return 0;
        }
    }

    private static long positiveId(long id) {
        if (id <= 0) {
            throw CliException.usage("ID must be a positive node id, got " + id);
        }
        return id;
    }

    /** A change is a write: never retried once it may have been applied (ClusterClient's rule). */
    private static MemberChangeResponse change(CliContext ctx, ClientCommands.ClientOptions options,
                                               ClusterClient.Call<MemberChangeResponse> call) {
        try (ClusterClient c = options.client(ctx)) {
            return c.call(ClusterClient.Kind.WRITE, call);
        }
    }
}
