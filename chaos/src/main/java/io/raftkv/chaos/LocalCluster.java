package io.raftkv.chaos;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.raftkv.launcher.ServerLauncher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code local} backend: every node a separate server process on 127.0.0.1, started from the server's
 * runnable jar with its own data directory and log under the run directory. Peers reach each other only
 * through the {@link FaultProxy}: node i's {@code --initial-cluster} names itself by its real peer address
 * and every other node j by the proxy port of link i->j. The cluster id depends on the token and the
 * member ids, not the addresses, so these per-node views agree; a fresh token per run keeps runs apart.
 * Clients talk to the nodes' client ports directly (partitions are between nodes, as in Jepsen).
 */
final class LocalCluster implements Cluster {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);

    /**
     * @param serverJar        the server's runnable jar
     * @param dir              where data directories and logs go
     * @param nodes            cluster size
     * @param tick             the server's --tick
     * @param electionTicks    the server's --election-ticks
     * @param unsafeLocalReads the negative control: linearizable reads served without ReadIndex
     * @param javaOpts         JVM options for every node
     * @param startTimeout     longest wait for a started node to answer
     * @param tls              TLS on every port, with a CA issued for the run ({@link ChaosTls})
     */
    record Settings(Path serverJar, Path dir, int nodes, Duration tick, int electionTicks, boolean unsafeLocalReads,
                    List<String> javaOpts, Duration startTimeout, boolean tls) {
        /** Small heaps and the serial collector: five node JVMs share two cores, the data lives in RocksDB. */
        static final List<String> DEFAULT_JAVA_OPTS = List.of("-Xms32m", "-Xmx192m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");

        Settings {
            if (nodes < 1) {
                throw new IllegalArgumentException("a cluster needs at least one node, got " + nodes);
            }
            javaOpts = List.copyOf(javaOpts);
        }

        /** Plaintext nodes. */
        Settings(Path serverJar, Path dir, int nodes, Duration tick, int electionTicks, boolean unsafeLocalReads,
                 List<String> javaOpts, Duration startTimeout) {
            this(serverJar, dir, nodes, tick, electionTicks, unsafeLocalReads, javaOpts, startTimeout, false);
        }
    }

    /**
     * Replacements per slot a run may make. The Raft id of slot s in generation g is s + g * nodes: ids are
     * never reused, and every node is told in advance (--peer-addresses) how to reach every id a slot may
     * take, through its own proxy link, so partitions keep applying to replaced members.
     */
    static final int MAX_GENERATIONS = 8;

    private final Settings settings;
    private final Map<Integer, NodeProcess> processes = new TreeMap<>();
    /** Processes of members replaced by {@link #replaceMember}: kept so every pid is accounted for. */
    private final List<NodeProcess> retired = new ArrayList<>();
    private final Map<Integer, Integer> generation = new TreeMap<>();
    private final Map<Integer, Integer> peerPorts = new TreeMap<>();
    private final String token;
    private final Map<Integer, Integer> clientPorts = new TreeMap<>();
    private final Map<Integer, ManagedChannel> statusChannels = new TreeMap<>();
    private final FaultProxy proxy;
    private final Thread shutdownHook;
    // The network as the nemesis set it, combined per link into what the proxy applies.
    private final Map<Link, Boolean> cut = new TreeMap<>();
    private final Map<Link, LinkFaults> degraded = new TreeMap<>();
    private final ExitLog exits = new ExitLog();
    /** The run's certificates, or null in plaintext. */
    private final ChaosTls tls;
    private boolean closed;

    LocalCluster(Settings settings) {
        this.settings = settings;
        if (!Files.isRegularFile(settings.serverJar())) {
            throw new IllegalArgumentException("server jar " + settings.serverJar() + " does not exist: build it with "
                    + "./mvnw -pl server -am package -DskipTests, or pass --server-jar");
        }
        List<Integer> ids = new ArrayList<>();
        for (int i = 1; i <= settings.nodes(); i++) {
            ids.add(i);
        }
        List<Integer> ports = Ports.free(2 * ids.size());
        for (int i = 0; i < ids.size(); i++) {
            clientPorts.put(ids.get(i), ports.get(2 * i));
            peerPorts.put(ids.get(i), ports.get(2 * i + 1));
        }
        try {
            this.proxy = new FaultProxy(peerPorts);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the fault proxy", e);
        }
        this.token = "chaos-" + Long.toHexString(System.nanoTime() ^ ProcessHandle.current().pid());
        this.tls = settings.tls() ? ChaosTls.create(settings.dir().resolve("tls")) : null;
        for (int id : ids) {
            generation.put(id, 0);
            processes.put(id, process(id, 0, ids, 0));
            statusChannels.put(id, NettyChannelBuilder.forAddress("127.0.0.1", clientPorts.get(id), clientCredentials()).build());
        }
        for (Link l : links()) {
            cut.put(l, false);
            degraded.put(l, LinkFaults.NONE);
        }
        // Whatever happens to the harness (an exception, Ctrl-C), no node outlives it.
        this.shutdownHook = new Thread(this::killAll, "chaos-local-cluster-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    Settings settings() {
        return settings;
    }

    /** The Raft id slot {@code slot} has in generation {@code gen}. */
    int raftId(int slot, int gen) {
        return slot + gen * settings.nodes();
    }

    /** The Raft id the node in {@code slot} has now. */
    int raftId(int slot) {
        return raftId(slot, generation.get(slot));
    }

    /**
     * The process for {@code slot} in generation {@code gen}. Node i names every other slot by the proxy
     * port of link i->slot, under every id that slot may ever have: founders in --initial-cluster (they
     * define the cluster), the rest in --peer-addresses. A later generation joins ({@code clusterId}).
     */
    private NodeProcess process(int slot, int gen, List<Integer> slots, long clusterId) {
        int id = raftId(slot, gen);
        StringBuilder members = new StringBuilder();
        StringBuilder others = new StringBuilder();
        for (int other : slots) {
            for (int g = 0; g < MAX_GENERATIONS; g++) {
                int otherId = raftId(other, g);
                boolean inInitial = gen == 0 ? g == 0 : g == generation.getOrDefault(other, 0) || otherId == id;
                if (other == slot && g != gen) {
                    continue;
                }
                int port = other == slot ? peerPorts.get(slot) : proxy.port(new Link(slot, other));
                StringBuilder into = inInitial ? members : others;
                into.append(into.length() == 0 ? "" : ",").append(otherId).append("=127.0.0.1:").append(port);
            }
        }
        Path nodeDir = settings.dir().resolve("n" + slot);
        List<String> jvm = new ArrayList<>(settings.javaOpts());
        // Heap before and after every collection, one file per life (%p: the pid), next to the node's log: what
        // explains a node that stalled (back-to-back full GCs) or died of OutOfMemoryError.
        jvm.add("-Xlog:gc:file=" + nodeDir.resolve("gc-%p.log").toAbsolutePath() + ":time,uptime");
        List<String> flags = new ArrayList<>(List.of("--id", Integer.toString(id),
                "--initial-cluster", members.toString(),
                "--peer-addr", "127.0.0.1:" + peerPorts.get(slot),
                "--client-addr", "127.0.0.1:" + clientPorts.get(slot),
                "--cluster-token", token,
                "--data-dir", nodeDir.resolve(gen == 0 ? "data" : "data-g" + gen).toAbsolutePath().toString(),
                "--tick", settings.tick().toMillis() + "ms",
                "--election-ticks", Integer.toString(settings.electionTicks())));
        if (others.length() > 0) {
            flags.addAll(List.of("--peer-addresses", others.toString()));
        }
        if (gen > 0) {
            flags.addAll(List.of("--join", Long.toHexString(clusterId)));
        }
        if (settings.unsafeLocalReads()) {
            flags.add("--unsafe-local-reads");
        }
        if (tls != null) {
            flags.addAll(tls.serverFlags(id));
        }
        List<String> cmd = ServerLauncher.ofJar(settings.serverJar(), jvm).command(flags);
        return new NodeProcess(id, cmd, nodeDir, nodeDir.resolve(gen == 0 ? "server.log" : "server-g" + gen + ".log"));
    }

    @Override
    public synchronized String replaceMember(int slot, Duration timeout) {
        int gen = generation.get(slot) + 1;
        if (gen >= MAX_GENERATIONS) {
            throw new IllegalStateException("slot " + slot + " was replaced " + (gen - 1) + " times already (the most a run may)");
        }
        int oldId = raftId(slot);
        int newId = raftId(slot, gen);
        MemberAdmin admin = new MemberAdmin(this, statusChannels, timeout);
        admin.remove(oldId);
        // The removed node takes no further part; its data stays for inspection.
        NodeProcess old = processes.get(slot);
        old.kill();
        retired.add(old);
        long clusterId = admin.clusterId();
        admin.addLearner(newId, "127.0.0.1:" + peerPorts.get(slot));
        generation.put(slot, gen);
        processes.put(slot, process(slot, gen, List.copyOf(processes.keySet()), clusterId));
        start(slot);
        admin.promote(newId);
        return "replaced member " + oldId + " in slot " + slot + " by " + newId + " (joined as a learner, promoted)";
    }

    /** The command line a node is started with (for the report and for reproducing by hand). */
    List<String> command(int node) {
        return process(node).command();
    }

    @Override
    public String describe(int node) {
        return String.join(" ", command(node));
    }

    Path log(int node) {
        return process(node).log();
    }

    long pid(int node) {
        return process(node).pid();
    }

    /** Every server process this cluster ever started. */
    List<Long> startedPids() {
        List<Long> out = new ArrayList<>();
        retired.forEach(p -> out.addAll(p.startedPids()));
        processes.values().forEach(p -> out.addAll(p.startedPids()));
        return out;
    }

    @Override
    public List<Integer> nodes() {
        return List.copyOf(processes.keySet());
    }

    @Override
    public io.grpc.ChannelCredentials clientCredentials() {
        return tls == null ? io.grpc.InsecureChannelCredentials.create() : tls.channelCredentials();
    }

    @Override
    public io.raftkv.client.TlsOptions clientTls() {
        return tls == null ? null : tls.clientOptions();
    }

    @Override
    public String clientAddress(int node) {
        return "127.0.0.1:" + clientPorts.get(node);
    }

    @Override
    public List<Link> links() {
        List<Link> out = new ArrayList<>();
        proxy.links().forEach(p -> out.add(p.link()));
        return out;
    }

    @Override
    public void start() {
        for (int slot : processes.keySet()) {
            NodeProcess p = processes.get(slot);
            if (!p.isAlive()) {
                exits.note(p.exitedOnItsOwn(slot));
                p.start();
            }
        }
        for (int id : processes.keySet()) {
            awaitServing(id);
        }
    }

    @Override
    public void start(int node) {
        NodeProcess p = process(node);
        if (!p.isAlive()) {
            exits.note(p.exitedOnItsOwn(node));
            p.start();
        }
        awaitServing(node);
    }

    @Override
    public Optional<NodeMemory> memory(int node) {
        long pid = process(node).pid();
        try {
            return pid < 0 ? Optional.empty()
                    : NodeMemory.parse(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        } catch (IOException gone) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized List<NodeExit> unexpectedExits() {
        processes.forEach((slot, p) -> exits.note(p.exitedOnItsOwn(slot)));
        return exits.all();
    }

    private void awaitServing(int node) {
        NodeProcess p = process(node);
        long end = System.nanoTime() + settings.startTimeout().toNanos();
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new IllegalStateException("node " + node + " exited during start; log " + p.log() + ":\n" + p.tail(30));
            }
            if (status(node, Duration.ofMillis(500)).isPresent()) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw new IllegalStateException("node " + node + " did not answer within " + settings.startTimeout() + "; log "
                + p.log() + ":\n" + p.tail(30));
    }

    @Override
    public void stop(int node) {
        process(node).stop(Duration.ofSeconds(15));
    }

    @Override
    public void kill(int node) {
        process(node).kill();
    }

    @Override
    public void pause(int node) {
        process(node).pause();
    }

    @Override
    public void resume(int node) {
        process(node).resume();
    }

    @Override
    public boolean isRunning(int node) {
        return process(node).isAlive();
    }

    @Override
    public boolean isPaused(int node) {
        return process(node).isPaused();
    }

    @Override
    public synchronized void partition(Grudge grudge) {
        cut.replaceAll((l, c) -> grudge.cuts(l));
        apply();
    }

    @Override
    public synchronized void slowLinks(Collection<Link> links, Duration delay, Duration jitter) {
        for (Link l : links) {
            LinkFaults f = degraded.get(l);
            degraded.put(l, new LinkFaults(false, delay.toMillis(), jitter.toMillis(), f.loss()));
        }
        apply();
    }

    @Override
    public synchronized void lossyLinks(Collection<Link> links, double loss) {
        for (Link l : links) {
            LinkFaults f = degraded.get(l);
            degraded.put(l, new LinkFaults(false, f.delayMillis(), f.jitterMillis(), loss));
        }
        apply();
    }

    @Override
    public synchronized void heal() {
        cut.replaceAll((l, c) -> false);
        degraded.replaceAll((l, f) -> LinkFaults.NONE);
        apply();
    }

    private void apply() {
        for (Link l : cut.keySet()) {
            LinkFaults d = degraded.get(l);
            proxy.set(l, cut.get(l) ? LinkFaults.BLOCKED : d);
        }
    }

    /** What the proxy currently applies to {@code link}. */
    LinkFaults faults(Link link) {
        return proxy.faults(link);
    }

    @Override
    public Optional<Status> status(int node, Duration timeout) {
        ManagedChannel ch = statusChannels.get(node);
        if (ch == null) {
            throw new IllegalArgumentException("no node " + node);
        }
        return Cluster.status(ch, node, timeout);
    }

    private NodeProcess process(int node) {
        NodeProcess p = processes.get(node);
        if (p == null) {
            throw new IllegalArgumentException("no node " + node + " (nodes: " + processes.keySet() + ")");
        }
        return p;
    }

    private void killAll() {
        for (NodeProcess p : processes.values()) {
            try {
                p.kill();
            } catch (RuntimeException e) {
                LOG.warn("could not kill node {}: {}", p.id(), e.toString());
            }
        }
    }

    /** Kills every node (the data stays for inspection), closes the proxy and the channels. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        killAll();
        proxy.close();
        statusChannels.values().forEach(ManagedChannel::shutdownNow);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or ran: nothing left to undo.
        }
    }
}
