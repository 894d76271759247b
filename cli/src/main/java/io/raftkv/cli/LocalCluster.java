package io.raftkv.cli;

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
 * {@code DIR/endpoints} (client addresses, comma-separated), {@code DIR/cluster.properties}.
 *
 * @param dir      absolute cluster directory
 * @param token    the --cluster-token of every node (fresh per cluster, so old data is never mistaken for new)
 * @param launcher command prefix that starts a node; {@code server <flags>} is appended
 * @param nodes    by ascending id
 */
record LocalCluster(Path dir, String token, List<String> launcher, List<LocalCluster.Node> nodes) {
    static final String FILE = "cluster.properties";
    static final String HOST = "127.0.0.1";

    /**
     * One node: ports on 127.0.0.1 and the pid of its last start (0: never started). A metrics port of 0
     * means none (clusters recorded before nodes served metrics).
     */
    record Node(long id, int peerPort, int clientPort, int metricsPort, long pid) {
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
            return new Node(id, peerPort, clientPort, metricsPort, newPid);
        }
    }

    LocalCluster {
        dir = dir.toAbsolutePath().normalize();
        launcher = List.copyOf(launcher);
        List<Node> sorted = new ArrayList<>(nodes);
        sorted.sort((a, b) -> Long.compare(a.id(), b.id()));
        nodes = Collections.unmodifiableList(sorted);
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
        return new LocalCluster(dir, token, launcher, updated);
    }

    LocalCluster withLauncher(List<String> newLauncher) {
        return new LocalCluster(dir, token, newLauncher, nodes);
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

    String initialCluster() {
        return nodes.stream().map(n -> n.id() + "=" + n.peerAddress()).collect(Collectors.joining(","));
    }

    String endpoints() {
        return nodes.stream().map(Node::clientAddress).collect(Collectors.joining(","));
    }

    /** The full command that starts node {@code id}: the same every time, so a restart reuses its data. */
    List<String> command(long id) {
        Node n = node(id);
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of("server", "--id", Long.toString(id), "--initial-cluster", initialCluster(),
                "--client-addr", n.clientAddress(), "--peer-addr", n.peerAddress(),
                "--data-dir", dataDir(id).toString(), "--cluster-token", token));
        if (n.metricsPort() > 0) {
            cmd.addAll(List.of("--metrics-addr", HOST + ":" + n.metricsPort()));
        }
        return cmd;
    }

    /** Writes cluster.properties (atomically), the endpoints file and each node's pid file. */
    void store() {
        Properties p = new Properties();
        p.setProperty("token", token);
        p.setProperty("nodes", nodes.stream().map(n -> Long.toString(n.id())).collect(Collectors.joining(",")));
        for (Node n : nodes) {
            p.setProperty("node." + n.id() + ".peer-port", Integer.toString(n.peerPort()));
            p.setProperty("node." + n.id() + ".client-port", Integer.toString(n.clientPort()));
            if (n.metricsPort() > 0) {
                p.setProperty("node." + n.id() + ".metrics-port", Integer.toString(n.metricsPort()));
            }
            p.setProperty("node." + n.id() + ".pid", Long.toString(n.pid()));
        }
        for (int i = 0; i < launcher.size(); i++) {
            p.setProperty(String.format("launcher.%03d", i), launcher.get(i));
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
                nodes.add(new Node(nodeId,
                        Integer.parseInt(require(p, "node." + nodeId + ".peer-port", file)),
                        Integer.parseInt(require(p, "node." + nodeId + ".client-port", file)),
                        Integer.parseInt(p.getProperty("node." + nodeId + ".metrics-port", "0").trim()),
                        Long.parseLong(p.getProperty("node." + nodeId + ".pid", "0"))));
            }
            Map<String, String> launch = new TreeMap<>();
            for (String key : p.stringPropertyNames()) {
                if (key.startsWith("launcher.")) {
                    launch.put(key, p.getProperty(key));
                }
            }
            return Optional.of(new LocalCluster(dir, require(p, "token", file), new ArrayList<>(launch.values()), nodes));
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
                doomed = list.filter(p -> p.getFileName().toString().matches("n\\d+|" + FILE.replace(".", "\\.")
                        + "|" + Endpoints.FILE)).collect(Collectors.toList());
            }
            for (Path p : doomed) {
                deleteRecursively(p);
            }
        } catch (IOException | UncheckedIOException e) {
            throw CliException.failed("cannot clear " + dir + ": " + e.getMessage());
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
