package io.raftkv.cli;

import io.raftkv.client.RaftKvClient;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The bookkeeping of a local cluster in {@code DIR}: which nodes exist, their ports and pids, the cluster
 * token and the command that starts a node. {@code local up} writes it to {@code DIR/cluster.properties};
 * every other {@code local} command reads it, so they work from any later shell.
 *
 * <p>Layout: {@code DIR/nN/data} (the node's data dir), {@code DIR/nN/server.log}, {@code DIR/nN/pid},
 * {@code DIR/endpoints} (client addresses, comma-separated), {@code DIR/cluster.properties}; with TLS
 * ({@code local up --tls}) {@code DIR/tls/} (the throwaway CA, the CLI's client certificate) and
 * {@code DIR/nN/tls/} (the node's client-port and peer certificates), keys readable by the owner only.
 *
 * @param dir         absolute cluster directory
 * @param token       the --cluster-token of every node (fresh per cluster, so old data is never mistaken for new)
 * @param launcher    command prefix that starts a node; {@code server <flags>} is appended
 * @param nodes       by ascending id
 * @param founders    the --initial-cluster of the founding members: the same at every start, because the
 *                    cluster id derives from it (members added or removed later do not change it)
 * @param serverFlags extra flags every node is started with ({@code local up -- FLAGS})
 * @param tls         whether every port speaks TLS with the certificates under {@code DIR/tls} ({@code local up --tls})
 */
record LocalCluster(Path dir, String token, List<String> launcher, List<LocalCluster.Node> nodes, String founders,
                    List<String> serverFlags, boolean tls) {
    static final String FILE = "cluster.properties";
    static final String HOST = "127.0.0.1";
    /** Flags {@link #command} sets itself; {@code local up -- FLAGS} must not repeat them. */
    static final List<String> OWN_FLAGS = List.of("--id", "--initial-cluster", "--join", "--client-addr", "--peer-addr",
            "--data-dir", "--cluster-token", "--metrics-addr", "--cert-file", "--key-file", "--trusted-ca-file",
            "--client-cert-auth", "--peer-cert-file", "--peer-key-file", "--peer-trusted-ca-file");

    /**
     * One node: ports on 127.0.0.1 and the pid of its last start (0: never started). A metrics port of 0
     * means none (clusters recorded before nodes served metrics).
     *
     * @param join           for a node added at runtime ({@code local add}): the cluster id it joined (hex); empty
     *                       for a founding member
     * @param initialCluster for a node added at runtime: the members when it was added, itself included
     * @param serverJar      the server jar this node runs instead of the launcher's ({@code local restart
     *                       --server-jar}: a rolling upgrade); empty for the launcher's
     */
    record Node(long id, int peerPort, int clientPort, int metricsPort, long pid, String join, String initialCluster,
                String serverJar) {
        Node(long id, int peerPort, int clientPort, int metricsPort, long pid) {
            this(id, peerPort, clientPort, metricsPort, pid, "", "", "");
        }

        String clientAddress() {
            return HOST + ":" + clientPort;
        }

        String peerAddress() {
            return HOST + ":" + peerPort;
        }

        String metricsUrl() {
            return metricsPort == 0 ? "" : "http://" + HOST + ":" + metricsPort + "/metrics";
        }

        Node withPid(long newPid) {
            return new Node(id, peerPort, clientPort, metricsPort, newPid, join, initialCluster, serverJar);
        }

        Node withServerJar(String jar) {
            return new Node(id, peerPort, clientPort, metricsPort, pid, join, initialCluster, jar);
        }
    }

    LocalCluster {
        dir = dir.toAbsolutePath().normalize();
        launcher = List.copyOf(launcher);
        List<Node> sorted = new ArrayList<>(nodes);
        sorted.sort((a, b) -> Long.compare(a.id(), b.id()));
        nodes = Collections.unmodifiableList(sorted);
        serverFlags = List.copyOf(serverFlags);
    }

    /** A new plaintext cluster of founding members {@code nodes}, no extra server flags. */
    LocalCluster(Path dir, String token, List<String> launcher, List<Node> nodes) {
        this(dir, token, launcher, nodes, initialCluster(nodes), List.of(), false);
    }

    Node node(long id) {
        for (Node n : nodes) {
            if (n.id() == id) {
                return n;
            }
        }
        throw CliException.usage("no node " + id + " in " + dir + " (nodes: "
                + nodes.stream().map(n -> Long.toString(n.id())).collect(Collectors.joining(",")) + ")");
    }

    LocalCluster withPid(long id, long pid) {
        List<Node> updated = new ArrayList<>();
        for (Node n : nodes) {
            updated.add(n.id() == id ? n.withPid(pid) : n);
        }
        return withNodes(updated);
    }

    LocalCluster withNode(Node node) {
        List<Node> updated = new ArrayList<>(nodes.stream().filter(n -> n.id() != node.id()).toList());
        updated.add(node);
        return withNodes(updated);
    }

    LocalCluster without(long id) {
        return withNodes(nodes.stream().filter(n -> n.id() != id).toList());
    }

    private LocalCluster withNodes(List<Node> updated) {
        return new LocalCluster(dir, token, launcher, updated, founders, serverFlags, tls);
    }

    LocalCluster withLauncher(List<String> newLauncher) {
        return new LocalCluster(dir, token, newLauncher, nodes, founders, serverFlags, tls);
    }

    LocalCluster withServerFlags(List<String> flags) {
        return new LocalCluster(dir, token, launcher, nodes, founders, flags, tls);
    }

    LocalCluster withTls() {
        return new LocalCluster(dir, token, launcher, nodes, founders, serverFlags, true);
    }

    /** The cluster's throwaway CA and the CLI's client certificate: {@code DIR/tls}. */
    Path tlsDir() {
        return dir.resolve("tls");
    }

    Path caFile() {
        return tlsDir().resolve("ca.pem");
    }

    Path caKeyFile() {
        return tlsDir().resolve("ca-key.pem");
    }

    Path clientCertFile() {
        return tlsDir().resolve("client.pem");
    }

    Path clientKeyFile() {
        return tlsDir().resolve("client-key.pem");
    }

    /** Node {@code id}'s certificates: {@code server.pem} for its client port, {@code peer.pem} for its peer port. */
    Path nodeTlsDir(long id) {
        return nodeDir(id).resolve("tls");
    }

    /** A client of this cluster's nodes: {@code b} with the cluster's CA and client certificate if it speaks TLS. */
    RaftKvClient client(RaftKvClient.Builder b) {
        return (tls ? b.tls(caFile(), clientCertFile(), clientKeyFile()) : b).build();
    }

    String metricsUrl(Node n) {
        return n.metricsPort() == 0 ? "" : (tls ? "https" : "http") + "://" + HOST + ":" + n.metricsPort() + "/metrics";
    }

    Path nodeDir(long id) {
        return dir.resolve("n" + id);
    }

    Path dataDir(long id) {
        return nodeDir(id).resolve("data");
    }

    Path logFile(long id) {
        return nodeDir(id).resolve("server.log");
    }

    private static String initialCluster(List<Node> nodes) {
        return nodes.stream().sorted((a, b) -> Long.compare(a.id(), b.id())).map(n -> n.id() + "=" + n.peerAddress())
                .collect(Collectors.joining(","));
    }

    String endpoints() {
        return nodes.stream().map(Node::clientAddress).collect(Collectors.joining(","));
    }

    /** The full command that starts node {@code id}: the same every time, so a restart reuses its data. */
    List<String> command(long id) {
        Node n = node(id);
        List<String> cmd = new ArrayList<>(launcher(n));
        cmd.addAll(List.of("server", "--id", Long.toString(id),
                "--initial-cluster", n.join().isEmpty() ? founders : n.initialCluster(),
                "--client-addr", n.clientAddress(), "--peer-addr", n.peerAddress(),
                "--data-dir", dataDir(id).toString(), "--cluster-token", token));
        if (n.metricsPort() > 0) {
            cmd.addAll(List.of("--metrics-addr", HOST + ":" + n.metricsPort()));
        }
        if (!n.join().isEmpty()) {
            cmd.addAll(List.of("--join", n.join()));
        }
        if (tls) {
            Path own = nodeTlsDir(id);
            String ca = caFile().toString();
            cmd.addAll(List.of("--cert-file", own.resolve("server.pem").toString(), "--key-file", own.resolve("server-key.pem").toString(),
                    "--trusted-ca-file", ca, "--client-cert-auth",
                    "--peer-cert-file", own.resolve("peer.pem").toString(), "--peer-key-file", own.resolve("peer-key.pem").toString(),
                    "--peer-trusted-ca-file", ca));
        }
        cmd.addAll(serverFlags);
        return cmd;
    }

    /** The cluster's launcher, with the node's own server jar in place of the launcher's if it has one. */
    List<String> launcher(Node n) {
        if (n.serverJar().isEmpty()) {
            return launcher;
        }
        int jar = launcher.indexOf("-jar") + 1;
        if (jar == 0 || jar >= launcher.size()) {
            throw CliException.usage("node " + n.id() + " has its own server jar, but the cluster's nodes do not run from a jar: "
                    + String.join(" ", launcher));
        }
        List<String> own = new ArrayList<>(launcher);
        own.set(jar, n.serverJar());
        return own;
    }

    /** Writes cluster.properties (atomically), the endpoints file and each node's pid file. */
    void store() {
        Properties p = new Properties();
        p.setProperty("token", token);
        p.setProperty("initial-cluster", founders);
        p.setProperty("nodes", nodes.stream().map(n -> Long.toString(n.id())).collect(Collectors.joining(",")));
        for (Node n : nodes) {
            String k = "node." + n.id() + ".";
            p.setProperty(k + "peer-port", Integer.toString(n.peerPort()));
            p.setProperty(k + "client-port", Integer.toString(n.clientPort()));
            if (n.metricsPort() > 0) {
                p.setProperty(k + "metrics-port", Integer.toString(n.metricsPort()));
            }
            p.setProperty(k + "pid", Long.toString(n.pid()));
            setIfPresent(p, k + "join", n.join());
            setIfPresent(p, k + "initial-cluster", n.initialCluster());
            setIfPresent(p, k + "server-jar", n.serverJar());
        }
        list(p, "launcher.", launcher);
        list(p, "server-flag.", serverFlags);
        if (tls) {
            p.setProperty("tls", "true");
        }
        try {
            Files.createDirectories(dir);
            StringWriter text = new StringWriter();
            sorted(p).store(text, "raftkv local cluster: written by 'raftkv local up', read by the other 'local' commands");
            writeAtomically(dir.resolve(FILE), text.toString());
            writeAtomically(dir.resolve(Endpoints.FILE), endpoints() + "\n");
            for (Node n : nodes) {
                if (n.pid() > 0) {
                    Files.createDirectories(nodeDir(n.id()));
                    writeAtomically(nodeDir(n.id()).resolve("pid"), n.pid() + "\n");
                }
            }
        } catch (IOException e) {
            throw CliException.failed("cannot write " + dir.resolve(FILE) + ": " + e.getMessage());
        }
    }

    private static void setIfPresent(Properties p, String key, String value) {
        if (!value.isEmpty()) {
            p.setProperty(key, value);
        }
    }

    /** A list as numbered keys (prefix000, prefix001, ...), which sort in list order. */
    private static void list(Properties p, String prefix, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            p.setProperty(String.format("%s%03d", prefix, i), values.get(i));
        }
    }

    private static List<String> list(Properties p, String prefix) {
        Map<String, String> sorted = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith(prefix)) {
                sorted.put(key, p.getProperty(key));
            }
        }
        return new ArrayList<>(sorted.values());
    }

    /** The cluster recorded in {@code dir}, or empty if there is none. */
    static Optional<LocalCluster> load(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw CliException.failed("cannot read " + file + ": " + e.getMessage());
        }
        try {
            List<Node> nodes = new ArrayList<>();
            for (String id : require(p, "nodes", file).split(",")) {
                long nodeId = Long.parseLong(id.trim());
                String k = "node." + nodeId + ".";
                nodes.add(new Node(nodeId,
                        Integer.parseInt(require(p, k + "peer-port", file)),
                        Integer.parseInt(require(p, k + "client-port", file)),
                        Integer.parseInt(p.getProperty(k + "metrics-port", "0").trim()),
                        Long.parseLong(p.getProperty(k + "pid", "0")),
                        p.getProperty(k + "join", ""), p.getProperty(k + "initial-cluster", ""), p.getProperty(k + "server-jar", "")));
            }
            // Clusters recorded before members could be added or removed: the founders are the nodes.
            String founders = p.getProperty("initial-cluster", initialCluster(nodes));
            return Optional.of(new LocalCluster(dir, require(p, "token", file), list(p, "launcher."), nodes, founders,
                    list(p, "server-flag."), Boolean.parseBoolean(p.getProperty("tls", "false").trim())));
        } catch (NumberFormatException e) {
            throw CliException.failed(file + " is damaged (" + e.getMessage() + "); remove " + dir + " and run 'raftkv local up'");
        }
    }

    private static String require(Properties p, String key, Path file) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw CliException.failed(file + " is damaged (no '" + key + "'); remove it and run 'raftkv local up'");
        }
        return v.trim();
    }

    /** Properties that store their keys sorted, so the file diffs and reads well. */
    private static Properties sorted(Properties source) {
        Properties p = new Properties() {
            private static final long serialVersionUID = 1L;

            @Override
            public Set<Map.Entry<Object, Object>> entrySet() {
                Map<Object, Object> m = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
                m.putAll(source);
                return Collections.unmodifiableSet(m.entrySet());
            }
        };
        p.putAll(source);
        return p;
    }

    static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            w.write(content);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes what a cluster in {@code dir} consists of (node dirs, bookkeeping), nothing else in {@code dir}. */
    static void wipe(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                return;
            }
            List<Path> doomed;
            try (var list = Files.list(dir)) {
                doomed = list.filter(p -> p.getFileName().toString().matches("n\\d+|tls|" + FILE.replace(".", "\\.")
                        + "|" + Endpoints.FILE)).collect(Collectors.toList());
            }
            for (Path p : doomed) {
                deleteRecursively(p);
            }
        } catch (IOException | UncheckedIOException e) {
            throw CliException.failed("cannot clear " + dir + ": " + e.getMessage());
        }
    }

    /** Deletes node {@code id}'s directory: its data, log and pid file. */
    void wipeNode(long id) {
        try {
            deleteRecursively(nodeDir(id));
        } catch (IOException | UncheckedIOException e) {
            throw CliException.failed("cannot delete " + nodeDir(id) + ": " + e.getMessage());
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        List<Path> all;
        try (var walk = Files.walk(root)) {
            all = walk.sorted(Collections.reverseOrder()).collect(Collectors.toList());
        }
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }
}
