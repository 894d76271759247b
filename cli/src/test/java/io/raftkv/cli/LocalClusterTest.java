package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local cluster's bookkeeping: cluster.properties, node commands, port choice, wiping. */
class LocalClusterTest {
    @TempDir
    Path dir;

    private LocalCluster sample() {
        return new LocalCluster(dir, "local-abc", List.of("/jdk/bin/java", "-Xmx256m", "-jar", "/path with space/raftkv.jar"),
                List.of(new LocalCluster.Node(2, 7002, 8002, 9002, 0), new LocalCluster.Node(1, 7001, 8001, 9001, 4242),
                        new LocalCluster.Node(3, 7003, 8003, 0, 4244)));
    }

    @Test
    void clusterPropertiesRoundTrip() throws IOException {
        LocalCluster c = sample();
        c.store();
        assertEquals(Optional.of(c), LocalCluster.load(dir));
        assertEquals("127.0.0.1:8001,127.0.0.1:8002,127.0.0.1:8003\n", Files.readString(dir.resolve("endpoints")));
        assertEquals("4242\n", Files.readString(dir.resolve("n1/pid")));
        assertFalse(Files.exists(dir.resolve("n2/pid")), "never started: no pid file");
        String text = Files.readString(dir.resolve("cluster.properties"));
        assertTrue(text.indexOf("launcher.000") < text.indexOf("node.1.client-port")
                && text.indexOf("node.1.pid") < text.indexOf("node.2.client-port"), "sorted keys:\n" + text);

        LocalCluster updated = c.withPid(2, 99);
        updated.store();
        assertEquals(99, LocalCluster.load(dir).orElseThrow().node(2).pid());
        assertFalse(Files.exists(dir.resolve("cluster.properties.tmp")));
    }

    /** What 'local up -- FLAGS', 'local add' and 'restart --server-jar' record survives a reload, in node commands. */
    @Test
    void serverFlagsJoinedNodesAndOwnJarsAreRememberedAndInTheCommand() {
        LocalCluster c = sample().withServerFlags(List.of("--quota-backend-bytes", "4MiB"))
                .withNode(new LocalCluster.Node(4, 7004, 8004, 9004, 0, "5c1b", "1=127.0.0.1:7001,2=127.0.0.1:7002,4=127.0.0.1:7004", ""))
                .without(3);
        c = c.withNode(c.node(2).withServerJar("/new/raftkv-server.jar"));
        c.store();
        LocalCluster loaded = LocalCluster.load(dir).orElseThrow();
        assertEquals(c, loaded);
        assertEquals("1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003", loaded.founders(), "founders never change");
        assertEquals(List.of("/jdk/bin/java", "-Xmx256m", "-jar", "/path with space/raftkv.jar",
                "server", "--id", "4", "--initial-cluster", "1=127.0.0.1:7001,2=127.0.0.1:7002,4=127.0.0.1:7004",
                "--client-addr", "127.0.0.1:8004", "--peer-addr", "127.0.0.1:7004",
                "--data-dir", dir.resolve("n4/data").toString(), "--cluster-token", "local-abc",
                "--metrics-addr", "127.0.0.1:9004", "--join", "5c1b", "--quota-backend-bytes", "4MiB"), loaded.command(4));
        List<String> one = loaded.command(1);
        assertEquals("1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003", one.get(one.indexOf("--initial-cluster") + 1),
                "a founder restarts with the founding members, whoever left since: the cluster id derives from them");
        assertFalse(one.contains("--join"));
        assertEquals("/new/raftkv-server.jar", loaded.command(2).get(3));
        assertEquals("/path with space/raftkv.jar", one.get(3));
        assertEquals("127.0.0.1:8001,127.0.0.1:8002,127.0.0.1:8004", loaded.endpoints());
    }

    @Test
    void aClusterRecordedBeforeMembershipCommandsReadsItsNodesAsFounders() throws IOException {
        Files.writeString(dir.resolve("cluster.properties"), "token=t\nnodes=1,2\nnode.1.peer-port=7001\nnode.1.client-port=8001\n"
                + "node.2.peer-port=7002\nnode.2.client-port=8002\nlauncher.000=java\n");
        LocalCluster c = LocalCluster.load(dir).orElseThrow();
        assertEquals("1=127.0.0.1:7001,2=127.0.0.1:7002", c.founders());
        assertEquals(List.of(), c.serverFlags());
    }

    @Test
    void noClusterAndDamagedFile() throws IOException {
        assertEquals(Optional.empty(), LocalCluster.load(dir));
        Files.writeString(dir.resolve("cluster.properties"), "nodes=1,2\nnode.1.peer-port=7001\n");
        CliException e = assertThrows(CliException.class, () -> LocalCluster.load(dir));
        assertTrue(e.getMessage().contains("is damaged (no 'node.1.client-port')"), e.getMessage());
    }

    @Test
    void nodeCommandIsTheLauncherPlusServerFlagsWithItsOwnDataDir() {
        LocalCluster c = sample();
        assertEquals(List.of("/jdk/bin/java", "-Xmx256m", "-jar", "/path with space/raftkv.jar",
                "server", "--id", "2", "--initial-cluster", "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003",
                "--client-addr", "127.0.0.1:8002", "--peer-addr", "127.0.0.1:7002",
                "--data-dir", dir.resolve("n2/data").toString(), "--cluster-token", "local-abc",
                "--metrics-addr", "127.0.0.1:9002"), c.command(2));
        assertFalse(c.command(3).contains("--metrics-addr"), "a node recorded without a metrics port serves none");
        CliException e = assertThrows(CliException.class, () -> c.node(4));
        assertEquals(CliException.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("no node 4") && e.getMessage().contains("nodes: 1,2,3"), e.getMessage());
    }

    @Test
    void theNodeCommandParsesAsAServerCommand() {
        LocalCluster c = sample();
        List<String> cmd = c.command(1);
        String[] serverArgs = cmd.subList(c.launcher().size(), cmd.size()).toArray(new String[0]);
        String[] args = new String[serverArgs.length + 1];
        System.arraycopy(serverArgs, 0, args, 0, serverArgs.length);
        args[serverArgs.length] = "--print-config";
        // The server jar's own parser (its in-process runner) reads the command a node is started with.
        io.raftkv.server.cli.CliRunner.Result r = io.raftkv.server.cli.CliRunner.run(dir, args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("cluster-token=local-abc"), r.out());
        assertTrue(r.out().contains("metrics-addr=127.0.0.1:9001"), r.out());
    }

    @Test
    void portsPreferTheDefaultsWhenAllAreFree() {
        Ports.Plan p = Ports.choose(3, 7001, port -> true);
        assertEquals(List.of(7001, 7002, 7003), p.peer());
        assertEquals(List.of(8001, 8002, 8003), p.client());
        assertEquals(List.of(9001, 9002, 9003), p.metrics());
        assertFalse(p.fallback());
    }

    @Test
    void portsFallBackToDistinctFreePortsWhenOneIsTaken() {
        Ports.Plan p = Ports.choose(5, 7001, port -> port != 8004);
        assertTrue(p.fallback());
        Set<Integer> all = new HashSet<>(p.peer());
        all.addAll(p.client());
        all.addAll(p.metrics());
        assertEquals(15, all.size(), "all distinct: " + p);
        for (int port : all) {
            assertTrue(Ports.isFree(port), "port " + port + " is free");
        }
        assertTrue(Ports.choose(3, 64000, port -> true).fallback(), "metrics ports would exceed 65535");
    }

    @Test
    void isFreeSeesAListeningSocket() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            assertFalse(Ports.isFree(s.getLocalPort()));
            int base = s.getLocalPort();
            assertTrue(Ports.choose(1, base, Ports::isFree).fallback());
        }
    }

    @Test
    void wipeDeletesOnlyTheClusterItCreated() throws IOException {
        sample().store();
        Files.createDirectories(dir.resolve("n1/data/sub"));
        Files.writeString(dir.resolve("n1/data/sub/file"), "x");
        Files.writeString(dir.resolve("notes.txt"), "mine");
        Files.createDirectories(dir.resolve("node-backup"));
        LocalCluster.wipe(dir);
        try (var left = Files.list(dir)) {
            assertEquals(Set.of("notes.txt", "node-backup"),
                    left.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
    }
}
