package io.raftkv.chaos;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.ExecCreateCmdResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PortBinding;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code docker} backend: every node a container on a private Docker network, started through
 * Testcontainers' Docker client from the image {@link DockerNodeImage} builds. Partitions and lossy links
 * are iptables rules inside the receiving container ({@link Iptables}; the containers get NET_ADMIN),
 * a crash is {@code docker kill} (SIGKILL), a graceful stop {@code docker stop} (SIGTERM), a pause
 * {@code docker pause} (cgroup freezer). Each container keeps a fixed address on the network and its
 * client port published on a fixed host port, so a restarted node comes back where it was, with its data
 * (the container's own filesystem).
 *
 * <p>Delay cannot be done with iptables and needs the kernel's netem, which the machine this harness is
 * built on lacks; the slow fault is refused here (see {@link #UNSUPPORTED}) and runs on the local backend.
 *
 * <p>Without Ryuk (its image cannot be pulled everywhere) the backend cleans up after itself: on close,
 * from a shutdown hook, and, for a harness that was killed outright, at the next start, which removes
 * containers and networks whose owning process on this host is gone (all carry {@value #OWNER_LABEL}).
 */
final class DockerCluster implements Cluster {
    private static final Logger LOG = LoggerFactory.getLogger(DockerCluster.class);
    static final java.util.Set<FaultKind> UNSUPPORTED = java.util.Set.of(FaultKind.SLOW);
    static final int PEER_PORT = 7000;
    static final int CLIENT_PORT = 7001;
    static final String OWNER_LABEL = "io.raftkv.chaos.owner";
    static final String HOST_LABEL = "io.raftkv.chaos.host";
    static final String PID_LABEL = "io.raftkv.chaos.pid";
    private static final String DATA_DIR = "/var/lib/raftkv/data";

    /**
     * @param baseImage null: see {@link DockerEnvironment#baseImage}
     */
    record Settings(Path serverJar, Path dir, int nodes, Duration tick, int electionTicks, boolean unsafeLocalReads,
                    List<String> javaOpts, Duration startTimeout, String baseImage) {
        Settings {
            if (nodes < 1 || nodes > 200) {
                throw new IllegalArgumentException("the docker backend runs 1..200 nodes, got " + nodes);
            }
            javaOpts = List.copyOf(javaOpts);
        }
    }

    private final Settings settings;
    private final DockerClient docker;
    private final String image;
    private final String name;
    private final String networkId;
    private final String host;
    private final Map<Integer, String> ips = new TreeMap<>();
    private final Map<Integer, Integer> hostPorts = new TreeMap<>();
    private final Map<Integer, String> containers = new TreeMap<>();
    private final Map<Integer, List<String>> commands = new TreeMap<>();
    /** Replacements made per slot; the Raft id of slot s in generation g is s + g * nodes (ids are never reused). */
    private final Map<Integer, Integer> generation = new TreeMap<>();
    private final String token;
    private final Map<String, String> labels;
    private final Map<Integer, ManagedChannel> statusChannels = new TreeMap<>();
    private final Map<Link, Boolean> cut = new TreeMap<>();
    private final Map<Link, Double> loss = new TreeMap<>();
    /** Nodes whose rules could not be written (paused or down): written when they resume or start. */
    private final java.util.Set<Integer> staleRules = new TreeSet<>();
    /** Nodes the harness killed or stopped: their containers are down by design, not on their own. */
    private final java.util.Set<Integer> stoppedByHarness = new TreeSet<>();
    private final ExitLog exits = new ExitLog();
    private final ExecutorService execs;
    private final Thread shutdownHook;
    private int starts;
    private boolean closed;

    DockerCluster(Settings settings) {
        this.settings = settings;
        if (!Files.isRegularFile(settings.serverJar())) {
            throw new IllegalArgumentException("server jar " + settings.serverJar() + " does not exist: build it with "
                    + "./mvnw -pl server -am package -DskipTests, or pass --server-jar");
        }
        this.docker = DockerEnvironment.client();
        removeOrphans(docker);
        String base = DockerEnvironment.baseImage(settings.baseImage(), System.getenv(), docker);
        this.image = DockerNodeImage.ensure(docker, settings.serverJar(), base);
        this.host = DockerEnvironment.host();
        this.name = "raftkv-chaos-" + Long.toHexString(System.nanoTime() ^ (ProcessHandle.current().pid() << 40));
        Map<String, String> labels = Map.of(OWNER_LABEL, name, HOST_LABEL, hostName(),
                PID_LABEL, Long.toString(ProcessHandle.current().pid()));
        this.execs = Executors.newFixedThreadPool(Math.min(settings.nodes(), 8), r -> {
            Thread t = new Thread(r, "chaos-docker-exec");
            t.setDaemon(true);
            return t;
        });
        this.shutdownHook = new Thread(this::removeAll, "chaos-docker-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        String[] subnet = createNetwork(labels);
        this.networkId = subnet[0];
        List<Integer> ports = Ports.free(settings.nodes());
        for (int id = 1; id <= settings.nodes(); id++) {
            ips.put(id, subnet[1] + (10 + id));
            hostPorts.put(id, ports.get(id - 1));
        }
        this.token = "chaos-" + name;
        this.labels = labels;
        for (int id = 1; id <= settings.nodes(); id++) {
            generation.put(id, 0);
            containers.put(id, createContainer(id, 0, 0));
            statusChannels.put(id, NettyChannelBuilder.forAddress(host, hostPorts.get(id)).usePlaintext().build());
        }
        for (Link l : links()) {
            cut.put(l, false);
            loss.put(l, 0.0);
        }
    }

    private int raftId(int slot, int gen) {
        return slot + gen * settings.nodes();
    }

    /**
     * Creates (does not start) the container of {@code slot} in generation {@code gen}: the slot's address
     * and published port, the Raft id of that generation; later generations join {@code clusterId}. Every
     * node reaches every other at its real address (iptables filters at the receiver), so the address a
     * membership change replicates is the one everybody uses.
     */
    private String createContainer(int slot, int gen, long clusterId) {
        StringBuilder members = new StringBuilder();
        for (int other : ips.keySet()) {
            int otherId = other == slot ? raftId(slot, gen) : raftId(other, generation.getOrDefault(other, 0));
            members.append(members.length() == 0 ? "" : ",").append(otherId).append('=').append(ips.get(other))
                    .append(':').append(PEER_PORT);
        }
        String bindIp = host.equals("127.0.0.1") ? "127.0.0.1" : "0.0.0.0";
        List<String> cmd = new ArrayList<>();
        cmd.add("java");
        cmd.addAll(settings.javaOpts());
        cmd.addAll(List.of("-jar", DockerNodeImage.JAR, "server",
                "--id", Integer.toString(raftId(slot, gen)),
                "--initial-cluster", members.toString(),
                "--peer-addr", ips.get(slot) + ":" + PEER_PORT,
                "--client-addr", "0.0.0.0:" + CLIENT_PORT,
                "--advertise-client-addr", clientAddress(slot),
                "--cluster-token", token,
                "--data-dir", DATA_DIR,
                "--tick", settings.tick().toMillis() + "ms",
                "--election-ticks", Integer.toString(settings.electionTicks())));
        if (gen > 0) {
            cmd.addAll(List.of("--join", Long.toHexString(clusterId)));
        }
        if (settings.unsafeLocalReads()) {
            cmd.add("--unsafe-local-reads");
        }
        commands.put(slot, cmd);
        HostConfig hc = HostConfig.newHostConfig()
                .withNetworkMode(name)
                .withCapAdd(Capability.NET_ADMIN)
                .withPortBindings(new PortBinding(com.github.dockerjava.api.model.Ports.Binding.bindIpAndPort(bindIp,
                        hostPorts.get(slot)), ExposedPort.tcp(CLIENT_PORT)));
        return docker.createContainerCmd(image)
                .withName(name + "-n" + slot + (gen == 0 ? "" : "-g" + gen))
                .withHostName("n" + slot)
                .withLabels(labels)
                .withExposedPorts(ExposedPort.tcp(CLIENT_PORT))
                .withHostConfig(hc)
                .withIpv4Address(ips.get(slot))
                .withCmd(cmd)
                .exec().getId();
    }

    @Override
    public synchronized String replaceMember(int slot, Duration timeout) {
        int gen = generation.get(slot) + 1;
        int oldId = raftId(slot, gen - 1);
        int newId = raftId(slot, gen);
        MemberAdmin admin = new MemberAdmin(this, statusChannels, timeout);
        long clusterId = admin.clusterId();
        admin.remove(oldId);
        kill(slot);
        saveLog(slot, "server" + (gen == 1 ? "" : "-g" + (gen - 1)) + ".log");
        String old = containers.get(slot);
        // The slot's address must be free before the new container takes it; the slot is never without a
        // container (created, not started), so status probes see a stopped node, not a missing one.
        docker.removeContainerCmd(old).withForce(true).withRemoveVolumes(true).exec();
        generation.put(slot, gen);
        containers.put(slot, createContainer(slot, gen, clusterId));
        admin.addLearner(newId, ips.get(slot) + ":" + PEER_PORT);
        start(slot);
        admin.promote(newId);
        return "replaced member " + oldId + " in slot " + slot + " by " + newId + " (joined as a learner, promoted)";
    }

    /** A /24 of 10.0.0.0/8 that no other network on this engine uses: {network id, "10.a.b."}. */
    private String[] createNetwork(Map<String, String> labels) {
        SplittableRandom random = new SplittableRandom(System.nanoTime());
        DockerException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            String prefix = "10." + random.nextInt(100, 200) + "." + random.nextInt(0, 256) + ".";
            try {
                String id = docker.createNetworkCmd().withName(name).withDriver("bridge").withLabels(labels)
                        .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(prefix + "0/24")))
                        .exec().getId();
                return new String[] {id, prefix};
            } catch (DockerException e) {
                last = e; // most likely "Pool overlaps with other one on this address space": try another
            }
        }
        throw new IllegalStateException("could not create a Docker network for the cluster: " + last, last);
    }

    @Override
    public List<Integer> nodes() {
        return List.copyOf(containers.keySet());
    }

    @Override
    public String clientAddress(int node) {
        return host + ":" + hostPorts.get(node);
    }

    @Override
    public String describe(int node) {
        return "docker run --name " + name + "-n" + node + " --network " + name + " --ip " + ips.get(node)
                + " --cap-add NET_ADMIN -p " + clientAddress(node) + ":" + CLIENT_PORT + " " + image + " "
                + String.join(" ", commands.get(node));
    }

    String ip(int node) {
        return ips.get(node);
    }

    /** How many times a node container was started. */
    synchronized int starts() {
        return starts;
    }

    @Override
    public List<Link> links() {
        List<Link> out = new ArrayList<>();
        for (int a : containers.keySet()) {
            for (int b : containers.keySet()) {
                if (a != b) {
                    out.add(new Link(a, b));
                }
            }
        }
        return out;
    }

    @Override
    public void start() {
        for (int id : containers.keySet()) {
            startContainer(id);
        }
        for (int id : containers.keySet()) {
            awaitServing(id);
        }
    }

    @Override
    public void start(int node) {
        startContainer(node);
        awaitServing(node);
    }

    private synchronized void startContainer(int node) {
        InspectContainerResponse.ContainerState s = state(node);
        if (Boolean.TRUE.equals(s.getRunning())) {
            return;
        }
        exits.note(exitedOnItsOwn(node, s));
        docker.startContainerCmd(container(node)).exec();
        stoppedByHarness.remove(node);
        starts++;
        // A started container has a fresh network namespace: none of its rules survive a restart. The JVM
        // takes a second to listen, so the rules are in place before any peer traffic is accepted.
        writeRules(List.of(node));
    }

    private void awaitServing(int node) {
        long end = System.nanoTime() + settings.startTimeout().toNanos();
        while (System.nanoTime() < end) {
            if (!Boolean.TRUE.equals(state(node).getRunning())) {
                throw new IllegalStateException("node " + node + " exited during start:\n" + logs(node, 30));
            }
            if (status(node, Duration.ofMillis(500)).isPresent()) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw new IllegalStateException("node " + node + " did not answer within " + settings.startTimeout() + ":\n"
                + logs(node, 30));
    }

    @Override
    public synchronized void stop(int node) {
        if (isPaused(node)) {
            docker.unpauseContainerCmd(container(node)).exec();
        }
        if (isRunning(node)) {
            stoppedByHarness.add(node);
            docker.stopContainerCmd(container(node)).withTimeout(15).exec();
        }
    }

    @Override
    public synchronized void kill(int node) {
        if (!isRunning(node)) {
            return;
        }
        stoppedByHarness.add(node);
        // SIGKILL reaches a frozen process too; it dies as its cgroup thaws, without running.
        docker.killContainerCmd(container(node)).withSignal("KILL").exec();
        if (isPaused(node)) {
            docker.unpauseContainerCmd(container(node)).exec();
        }
        awaitState(node, false);
    }

    private void awaitState(int node, boolean running) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Boolean.TRUE.equals(state(node).getRunning()) != running) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("node " + node + " container did not " + (running ? "start" : "stop")
                        + " within 30 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Override
    public synchronized void pause(int node) {
        docker.pauseContainerCmd(container(node)).exec();
    }

    @Override
    public synchronized void resume(int node) {
        docker.unpauseContainerCmd(container(node)).exec();
        if (staleRules.contains(node)) {
            writeRules(List.of(node));
        }
    }

    @Override
    public boolean isRunning(int node) {
        return Boolean.TRUE.equals(state(node).getRunning());
    }

    @Override
    public boolean isPaused(int node) {
        return Boolean.TRUE.equals(state(node).getPaused());
    }

    /** The JVM is the container's first process (no init): its status file is /proc/1/status. */
    @Override
    public Optional<NodeMemory> memory(int node) {
        try {
            return isRunning(node) && !isPaused(node) ? NodeMemory.parse(exec(node, "cat /proc/1/status")) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized List<NodeExit> unexpectedExits() {
        for (int node : containers.keySet()) {
            exits.note(exitedOnItsOwn(node, state(node)));
        }
        return exits.all();
    }

    /** How the container's current life ended, if it ended without the harness ending it. */
    private Optional<NodeExit> exitedOnItsOwn(int node, InspectContainerResponse.ContainerState s) {
        // A container created but never started has no life to lose (StartedAt is the zero time then).
        if (Boolean.TRUE.equals(s.getRunning()) || stoppedByHarness.contains(node) || s.getStartedAt() == null
                || s.getStartedAt().startsWith("0001-")) {
            return Optional.empty();
        }
        String how = "container " + s.getStatus() + ", exit code " + s.getExitCodeLong()
                + (Boolean.TRUE.equals(s.getOOMKilled()) ? ", killed by the kernel's OOM killer" : "")
                + (s.getError() == null || s.getError().isEmpty() ? "" : ", error: " + s.getError());
        return Optional.of(new NodeExit(node, s.getStartedAt(), how, java.time.Instant.now(),
                List.of(logs(node, NodeExit.LOG_LINES).split("\n"))));
    }

    private InspectContainerResponse.ContainerState state(int node) {
        return docker.inspectContainerCmd(container(node)).exec().getState();
    }

    @Override
    public synchronized void partition(Grudge grudge) {
        cut.replaceAll((l, c) -> grudge.cuts(l));
        writeRules(nodes());
    }

    @Override
    public synchronized void slowLinks(Collection<Link> links, Duration delay, Duration jitter) {
        throw new UnsupportedOperationException("the docker backend cannot delay links: iptables has no delay, and tc "
                + "netem is missing from the kernels this harness is tested on; run the slow fault with --backend local");
    }

    @Override
    public synchronized void lossyLinks(Collection<Link> links, double p) {
        for (Link l : links) {
            loss.put(l, p);
        }
        writeRules(nodes());
    }

    @Override
    public synchronized void heal() {
        cut.replaceAll((l, c) -> false);
        loss.replaceAll((l, p) -> 0.0);
        writeRules(nodes());
    }

    /** What node {@code to}'s chain holds for each sender (a link with no fault is absent). */
    private Map<String, LinkFaults> incoming(int to) {
        Map<String, LinkFaults> in = new TreeMap<>();
        for (Link l : cut.keySet()) {
            if (l.to() != to) {
                continue;
            }
            if (cut.get(l)) {
                in.put(ips.get(l.from()), LinkFaults.BLOCKED);
            } else if (loss.get(l) > 0) {
                in.put(ips.get(l.from()), LinkFaults.lossy(loss.get(l)));
            }
        }
        return in;
    }

    /**
     * Rewrites the chains of {@code targets} in parallel (one {@code docker exec} each, ~50 ms), so a
     * partition takes effect on every node at about the same moment. Paused and stopped nodes are written
     * when they resume or start.
     */
    private void writeRules(List<Integer> targets) {
        Map<Integer, Future<?>> byNode = new TreeMap<>();
        for (int node : targets) {
            InspectContainerResponse.ContainerState s = state(node);
            if (!Boolean.TRUE.equals(s.getRunning()) || Boolean.TRUE.equals(s.getPaused())) {
                staleRules.add(node);
                continue;
            }
            String script = Iptables.script(incoming(node), PEER_PORT);
            Future<?> f = execs.submit(() -> exec(node, script));
            byNode.put(node, f);
        }
        for (Map.Entry<Integer, Future<?>> e : byNode.entrySet()) {
            try {
                e.getValue().get(60, TimeUnit.SECONDS);
                staleRules.remove(e.getKey());
            } catch (Exception ex) {
                throw new IllegalStateException("could not write the iptables rules of node " + e.getKey() + ": " + ex, ex);
            }
        }
    }

    /** Runs {@code sh -c script} in a node's container; its output, or an exception naming the exit code. */
    private String exec(int node, String script) {
        ExecCreateCmdResponse ex = docker.execCreateCmd(container(node)).withCmd("sh", "-c", script)
                .withAttachStdout(true).withAttachStderr(true).exec();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            docker.execStartCmd(ex.getId()).exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                    out.writeBytes(frame.getPayload());
                }
            }).awaitCompletion(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running a command in node " + node, e);
        }
        Long code = docker.inspectExecCmd(ex.getId()).exec().getExitCodeLong();
        String text = out.toString(StandardCharsets.UTF_8);
        if (code == null || code != 0) {
            throw new IllegalStateException("node " + node + ": `" + script.replace('\n', ';') + "` exited " + code + ": "
                    + text.trim());
        }
        return text;
    }

    /** What node {@code link.to()}'s kernel applies to the link, read back with {@code iptables -S}. */
    LinkFaults faults(Link link) {
        return Iptables.applied(exec(link.to(), "iptables -w -S " + Iptables.CHAIN), ips.get(link.from()), PEER_PORT);
    }

    @Override
    public Optional<Status> status(int node, Duration timeout) {
        ManagedChannel ch = statusChannels.get(node);
        if (ch == null) {
            throw new IllegalArgumentException("no node " + node);
        }
        return Cluster.status(ch, node, timeout);
    }

    /** The last {@code lines} lines of a node's output (all of it when lines <= 0). */
    String logs(int node, int lines) {
        StringBuilder b = new StringBuilder();
        try {
            var cmd = docker.logContainerCmd(container(node)).withStdOut(true).withStdErr(true);
            if (lines > 0) {
                cmd = cmd.withTail(lines);
            }
            cmd.exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                    b.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                }
            }).awaitCompletion(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            b.append("(no logs: ").append(e).append(")");
        }
        return b.toString();
    }

    /** The container of a node now (tests kill it behind the harness's back with it). */
    String containerId(int node) {
        return container(node);
    }

    private String container(int node) {
        String c = containers.get(node);
        if (c == null) {
            throw new IllegalArgumentException("no node " + node + " (nodes: " + containers.keySet() + ")");
        }
        return c;
    }

    /** Containers and networks of this cluster that still exist (nothing, after close). */
    List<String> leftovers() {
        List<String> out = new ArrayList<>();
        docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(OWNER_LABEL, name)).exec()
                .forEach(c -> out.add("container " + String.join(",", c.getNames())));
        docker.listNetworksCmd().withFilter("label", List.of(OWNER_LABEL + "=" + name)).exec()
                .forEach(n -> out.add("network " + n.getName()));
        return out;
    }

    /** Keeps every node's log in the run directory ({@code n<i>/server.log}, as the local backend does). */
    private void saveLogs() {
        for (int id : containers.keySet()) {
            int gen = generation.getOrDefault(id, 0);
            saveLog(id, gen == 0 ? "server.log" : "server-g" + gen + ".log");
        }
    }

    private void saveLog(int slot, String file) {
        try {
            Path f = settings.dir().resolve("n" + slot).resolve(file);
            Files.createDirectories(f.getParent());
            Files.writeString(f, logs(slot, 0));
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not save the log of node {}: {}", slot, e.toString());
        }
    }

    private synchronized void removeAll() {
        for (String c : containers.values()) {
            try {
                docker.removeContainerCmd(c).withForce(true).withRemoveVolumes(true).exec();
            } catch (NotFoundException gone) {
                // Already removed.
            } catch (RuntimeException e) {
                LOG.warn("could not remove container {}: {}", c, e.toString());
            }
        }
        try {
            docker.removeNetworkCmd(networkId).exec();
        } catch (NotFoundException gone) {
            // Already removed.
        } catch (RuntimeException e) {
            LOG.warn("could not remove network {}: {}", name, e.toString());
        }
    }

    /** Saves the logs, removes the containers (and their data) and the network; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        saveLogs();
        removeAll();
        execs.shutdownNow();
        statusChannels.values().forEach(ManagedChannel::shutdownNow);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or ran: nothing left to undo.
        }
    }

    /**
     * Removes what harnesses on this host left behind when they were killed before they could clean up:
     * containers and networks whose owning process no longer exists.
     */
    static void removeOrphans(DockerClient docker) {
        String me = hostName();
        for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(OWNER_LABEL)).exec()) {
            if (orphaned(c.getLabels(), me)) {
                LOG.info("removing container {} left by a harness that is gone", String.join(",", c.getNames()));
                try {
                    docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
                } catch (RuntimeException e) {
                    LOG.warn("could not remove container {}: {}", c.getId(), e.toString());
                }
            }
        }
        for (Network n : docker.listNetworksCmd().withFilter("label", List.of(OWNER_LABEL)).exec()) {
            if (orphaned(n.getLabels(), me)) {
                try {
                    docker.removeNetworkCmd(n.getId()).exec();
                } catch (RuntimeException e) {
                    LOG.warn("could not remove network {}: {}", n.getName(), e.toString());
                }
            }
        }
    }

    private static boolean orphaned(Map<String, String> labels, String me) {
        if (labels == null || !me.equals(labels.get(HOST_LABEL))) {
            return false;
        }
        try {
            return ProcessHandle.of(Long.parseLong(labels.getOrDefault(PID_LABEL, "-1"))).map(h -> !h.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String h = System.getenv("HOSTNAME");
            return h != null ? h : "unknown";
        }
    }
}
