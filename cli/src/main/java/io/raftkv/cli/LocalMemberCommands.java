package io.raftkv.cli;

import io.raftkv.client.ClusterStatus;
import io.raftkv.client.MembershipChange;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.RaftKvException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code raftkv local add|remove}: a node joining the local cluster and a node leaving it for good, so the
 * replace procedure (remove the old id, add a new one as a learner, promote it) runs on a local cluster with
 * the same membership commands as on real machines.
 *
 * <pre>
 * add      OK node &lt;id&gt; added as learner|voter at index &lt;n&gt;
 *          node &lt;id&gt;: pid &lt;pid&gt;, client &lt;addr&gt;, peer &lt;addr&gt;, metrics &lt;url&gt;
 *          then, once it caught up: raftkv member promote &lt;id&gt;     (a learner)
 * remove   stopped node &lt;id&gt; (pid &lt;pid&gt;) | node &lt;id&gt; was not running
 *          removed node &lt;id&gt; from &lt;dir&gt; (its data is deleted)
 * </pre>
 */
final class LocalMemberCommands {
    /** Membership changes wait for the change to apply; a loaded machine may need a few seconds. */
    private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(15);

    private LocalMemberCommands() {
    }

    private static RaftKvClient client(LocalCluster cluster) {
        return cluster.client(RaftKvClient.builder().endpoints(endpoints(cluster)).requestTimeout(CHANGE_TIMEOUT));
    }

    @Command(name = "add", description = {"Add node ID to the running local cluster and start it: 'raftkv member add' with fresh",
        "ports, then the node with --join (its first state arrives as the leader's snapshot)."})
    static final class Add implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalCommands.LocalOptions options;
        @Parameters(index = "0", paramLabel = "ID", description = "The new node's id: never one the cluster used before.")
        long id;
        @Option(names = "--learner", description = "Add it as a non-voting learner (recommended); promote it with "
                + "'raftkv member promote ID' once it caught up.")
        boolean learner;
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                description = "How long to wait until the node answers (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        Add(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            if (id <= 0) {
                throw CliException.usage("ID must be a positive node id, got " + id);
            }
            if (cluster.nodes().stream().anyMatch(n -> n.id() == id)) {
                throw CliException.usage("node " + id + " is already in " + cluster.dir() + "; pick a new id");
            }
            List<Integer> ports = Ports.ephemeral(3);
            LocalCluster.Node fresh = new LocalCluster.Node(id, ports.get(0), ports.get(1), ports.get(2), 0);
            MembershipChange change;
            try (RaftKvClient c = client(cluster)) {
                change = c.addMember(id, fresh.peerAddress(), fresh.clientAddress(), learner);
            }
            String members = change.members().stream().map(m -> m.id() + "=" + (m.id() == id ? fresh.peerAddress() : m.peerAddress()))
                    .collect(Collectors.joining(","));
            LocalCluster.Node node = new LocalCluster.Node(id, fresh.peerPort(), fresh.clientPort(), fresh.metricsPort(), 0,
                    Long.toHexString(change.clusterId()), members, "");
            cluster = cluster.withNode(node);
            if (cluster.tls()) {
                LocalPki.issueNode(cluster, id);
            }
            cluster = cluster.withPid(id, LocalNodes.start(cluster, node));
            cluster.store();
            LocalCluster.Node started = cluster.node(id);
            ctx.out().println("OK node " + id + " added as " + (learner ? "learner" : "voter") + " at index " + change.index());
            try (LocalNodes nodes = new LocalNodes(cluster)) {
                nodes.awaitAnswer(started, timeout);
            } catch (CliException e) {
                LocalCommands.printLogs(ctx, cluster, List.of(started));
                throw CliException.failed(e.getMessage() + "; node " + id + " is a member now: take it out with 'raftkv member remove "
                        + id + "' and 'raftkv local remove " + id + "'");
            }
            ctx.out().println("node " + id + ": pid " + started.pid() + ", client " + started.clientAddress() + ", peer "
                    + started.peerAddress() + ", metrics " + cluster.metricsUrl(started));
            if (learner) {
                ctx.out().println("then, once it caught up: raftkv member promote " + id);
            }
            return 0;
        }
    }

    @Command(name = "remove", description = {"Stop node ID and delete its data and its place in the local cluster, once it left",
        "the cluster ('raftkv member remove ID' first). Its id is never used again."})
    static final class Remove implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        LocalCommands.LocalOptions options;
        @Parameters(index = "0", paramLabel = "ID", description = "The node to delete.")
        long id;
        @Option(names = "--force", description = "Delete it even if the cluster still lists it as a member, or cannot be asked.")
        boolean force;

        Remove(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            LocalCluster cluster = options.cluster(ctx);
            LocalCluster.Node node = cluster.node(id);
            if (!force) {
                requireNotAMember(cluster.without(id));
            }
            try (LocalNodes nodes = new LocalNodes(cluster)) {
                nodes.stop(List.of(node), Duration.ofSeconds(15)).forEach(ctx.out()::println);
            }
            cluster.wipeNode(id);
            cluster.without(id).store();
            ctx.out().println("removed node " + id + " from " + cluster.dir() + " (its data is deleted)");
            return 0;
        }

        /** Deleting a member's data while it still counts in quorums would lose a vote for good: ask the others first. */
        private void requireNotAMember(LocalCluster others) {
            if (others.nodes().isEmpty()) {
                throw CliException.usage("node " + id + " is the only node of " + others.dir() + "; use 'raftkv local down' instead");
            }
            List<ClusterStatus.Member> members;
            try (RaftKvClient c = client(others)) {
                members = c.status().members();
            } catch (RaftKvException e) {
                throw CliException.failed("cannot ask the cluster whether node " + id + " left it (" + Failures.of(e).getMessage()
                        + "); pass --force to delete it anyway");
            }
            if (members.stream().anyMatch(m -> m.id() == id)) {
                throw CliException.usage("node " + id + " is still a member of the cluster: run 'raftkv member remove " + id
                        + "' first (or pass --force)");
            }
        }
    }

    private static List<String> endpoints(LocalCluster cluster) {
        return cluster.nodes().stream().map(LocalCluster.Node::clientAddress).toList();
    }
}
