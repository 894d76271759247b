package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import io.raftkv.launcher.NodeProcess;
import io.raftkv.launcher.ServerLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code raftkv local ...} end to end with real processes and real gRPC, but {@link FakeNodeMain} as the
 * node, so the launcher, bookkeeping, signals and leader polling are tested without the real server.
 */
class LocalCommandsTest {
    @TempDir
    Path cwd;

    private Path dir() {
        return cwd.resolve("cluster");
    }

    private static ServerLauncher fakeLauncher(String main) {
        return new ServerLauncher(ServerLauncher.currentJava(), List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xshare:auto"), List.of("-cp", System.getProperty("java.class.path"), main));
    }

    private FakeCluster.Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        // Before a '--': what follows it are server flags.
        all.add(all.contains("--") ? all.indexOf("--") : all.size(), "--dir=" + dir());
        return FakeCluster.run(Map.of(), cwd, new byte[0], () -> fakeLauncher(FakeNodeMain.class.getName()),
                all.toArray(new String[0]));
    }

    @AfterEach
    void killLeftovers() {
        LocalCluster.load(dir()).ifPresent(c -> c.nodes().forEach(
                n -> NodeProcess.find(n.pid(), c.dataDir(n.id()).toString()).ifPresent(p -> p.kill(Duration.ofSeconds(10)))));
    }

    private String statusRow(long id) {
        FakeCluster.Result s = cli("local", "status");
        assertEquals(0, s.code(), s.err());
        return s.out().lines().filter(l -> l.startsWith(id + " ")).findFirst().orElseThrow();
    }

    @Test
    void upPlayDown() throws IOException {
        // --base-port 0: any free ports (it was refused as "ports 0..2 are not free").
        FakeCluster.Result up = cli("local", "up", "--timeout", "60s", "--base-port", "0");
        assertEquals(0, up.code(), up.err() + up.out());
        List<String> lines = up.out().lines().toList();
        assertEquals(5, lines.size(), up.out());
        Pattern node = Pattern.compile("node (\\d): pid (\\d+), client (127\\.0\\.0\\.1:\\d+), peer 127\\.0\\.0\\.1:\\d+, "
                + "metrics http://127\\.0\\.0\\.1:\\d+/metrics");
        List<String> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Matcher m = node.matcher(lines.get(i));
            assertTrue(m.matches(), lines.get(i));
            assertEquals(Integer.toString(i + 1), m.group(1));
            clients.add(m.group(3));
        }
        assertEquals("leader: node 1 (term 1)", lines.get(3));
        assertEquals("endpoints: " + String.join(",", clients), lines.get(4));
        assertEquals(String.join(",", clients) + "\n", Files.readString(dir().resolve("endpoints")));
        LocalCluster cluster = LocalCluster.load(dir()).orElseThrow();
        for (LocalCluster.Node n : cluster.nodes()) {
            assertTrue(ProcessHandle.of(n.pid()).isPresent(), "node " + n.id() + " runs");
            assertTrue(Files.isRegularFile(cluster.logFile(n.id())));
        }

        FakeCluster.Result again = cli("local", "up");
        assertEquals(1, again.code());
        assertTrue(again.err().startsWith("error: a local cluster is already running in " + dir()), again.err());

        // Client commands find the cluster through DIR/endpoints.
        assertEquals("OK index=1\n", cli("put", "k", "v").out());
        assertEquals("v\n", cli("get", "k").out());

        String json = cli("local", "status", "-w", "json").out();
        assertTrue(json.startsWith("[{\"id\":1,\"pid\":" + cluster.node(1).pid() + ",\"process\":\"alive\""), json);
        String row = statusRow(1);
        assertTrue(row.matches("1\\s+" + cluster.node(1).pid() + "\\s+alive\\s+leader\\s+1\\s+1\\s+1\\s+1\\s+" + clients.get(0)), row);

        assertEquals("paused node 2 (pid " + cluster.node(2).pid() + ")\n", cli("local", "pause", "2").out());
        assertTrue(statusRow(2).matches("2\\s+\\d+\\s+paused\\s+-\\s+.*"), statusRow(2));
        assertEquals("resumed node 2 (pid " + cluster.node(2).pid() + ")\n", cli("local", "resume", "all").out());
        assertTrue(statusRow(2).matches("2\\s+\\d+\\s+alive\\s+follower\\s+.*"), statusRow(2));

        assertEquals("killed node 1 (pid " + cluster.node(1).pid() + ")\n", cli("local", "kill", "leader").out());
        assertTrue(statusRow(1).matches("1\\s+\\d+\\s+dead\\s+-\\s+.*"), statusRow(1));
        FakeCluster.Result killAgain = cli("local", "kill", "1");
        assertEquals(1, killAgain.code());
        assertEquals("error: node 1 is not running (start it with 'raftkv local restart 1')\n", killAgain.err());

        FakeCluster.Result restart = cli("local", "restart", "1");
        assertEquals(0, restart.code(), restart.err());
        long newPid = LocalCluster.load(dir()).orElseThrow().node(1).pid();
        assertNotEquals(cluster.node(1).pid(), newPid);
        assertEquals("restarted node 1 (pid " + newPid + ")\n", restart.out());
        assertTrue(statusRow(1).matches("1\\s+" + newPid + "\\s+alive\\s+leader\\s+.*"), statusRow(1));

        // A rolling configuration change: the flags after -- replace the remembered ones for this and every later start.
        FakeCluster.Result reconfigured = cli("local", "restart", "2", "--", "--quota-backend-bytes", "4MiB");
        assertEquals(0, reconfigured.code(), reconfigured.toString());
        LocalCluster changed = LocalCluster.load(dir()).orElseThrow();
        assertEquals(List.of("--quota-backend-bytes", "4MiB"), changed.serverFlags());
        String args2 = Files.readString(Path.of("/proc/" + changed.node(2).pid() + "/cmdline")).replace('\0', ' ').trim();
        assertTrue(args2.endsWith("--quota-backend-bytes 4MiB"), args2);
        FakeCluster.Result own = cli("local", "restart", "3", "--", "--data-dir=/elsewhere");
        assertEquals(2, own.code(), own.toString());
        assertTrue(own.err().contains("--data-dir is set by 'raftkv local'"), own.err());

        assertEquals(2, cli("local", "restart", "9").code());
        assertEquals(2, cli("local", "pause", "someone").code());

        // Issue 14: 'local kill all' and 'restart all' were missing.
        FakeCluster.Result killAll = cli("local", "kill", "all");
        assertEquals(0, killAll.code(), killAll.toString());
        assertEquals(3, killAll.out().lines().filter(l -> l.startsWith("killed node ")).count(), killAll.out());
        FakeCluster.Result restartAll = cli("local", "restart", "all");
        assertEquals(0, restartAll.code(), restartAll.toString());
        assertEquals(3, restartAll.out().lines().filter(l -> l.startsWith("restarted node ")).count(), restartAll.out());
        cluster = LocalCluster.load(dir()).orElseThrow();
        newPid = cluster.node(1).pid();

        cli("local", "pause", "3");
        FakeCluster.Result down = cli("local", "down");
        assertEquals(0, down.code(), down.err());
        assertEquals("stopped node 1 (pid " + newPid + ")\nstopped node 2 (pid " + cluster.node(2).pid()
                + ")\nstopped node 3 (pid " + cluster.node(3).pid() + ")\n", down.out(), "a paused node stops too");
        for (int id = 1; id <= 3; id++) {
            assertTrue(statusRow(id).matches(id + "\\s+\\d+\\s+dead\\s+.*"), statusRow(id));
        }
        assertEquals("node 1 was not running\nnode 2 was not running\nnode 3 was not running\n", cli("local", "down").out());
    }

    @Test
    void upReportsANodeThatDiesWithItsLogAndStopsTheRest() {
        FakeCluster.Result r = FakeCluster.run(Map.of(), cwd, new byte[0], () -> fakeLauncher("io.raftkv.NoSuchMain"),
                "local", "up", "--nodes", "1", "--dir", dir().toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--- node 1: " + dir().resolve("n1/server.log")), r.err());
        assertTrue(r.err().contains("io.raftkv.NoSuchMain"), "the log tail shows why: " + r.err());
        assertTrue(r.err().contains("error: node 1 (pid "), r.err());
        assertEquals("", r.out());
    }

    @Test
    void commandsWithoutAClusterSaySo() {
        FakeCluster.Result r = cli("local", "status");
        assertEquals(1, r.code());
        assertEquals("error: no local cluster in " + dir() + " (start one with 'raftkv local up')\n", r.err());
        assertEquals(2, cli("local", "up", "--nodes", "0").code());
        FakeCluster.Result negative = cli("local", "up", "--base-port", "-1");
        assertEquals(2, negative.code(), negative.toString());
        assertEquals("error: --base-port must be 0 (any free ports) or 1..63533 for 3 nodes (its metrics ports run to P+2002),"
                + " got -1\n", negative.err());
        assertEquals(2, cli("local", "up", "--base-port", "63534").code(), "node 3's metrics port would be 65536");
        assertEquals(2, cli("local").code());
    }

    @Test
    void extraServerFlagsGoAfterDashDashAndNeverRepeatWhatLocalSets() {
        String d = "--dir=" + dir();
        FakeCluster.Result stray = FakeCluster.run(Map.of(), cwd, "local", "up", d, "quota");
        assertEquals(2, stray.code(), stray.toString());
        assertTrue(stray.err().contains("server flags go after --"), stray.err());
        FakeCluster.Result own = FakeCluster.run(Map.of(), cwd, "local", "up", d, "--", "--data-dir=/elsewhere");
        assertEquals(2, own.code(), own.toString());
        assertTrue(own.err().contains("--data-dir is set by 'raftkv local'"), own.err());
        FakeCluster.Result tls = FakeCluster.run(Map.of(), cwd, "local", "up", d, "--", "--peer-cert-file", "mine.pem");
        assertEquals(2, tls.code(), tls.toString());
        assertTrue(tls.err().contains("--peer-cert-file: 'raftkv local up --tls' sets the TLS flags of every node"), tls.err());
        FakeCluster.Result restore = FakeCluster.run(Map.of(), cwd, "local", "up", d, "--restore", "missing.rkv");
        assertEquals(2, restore.code(), restore.toString());
        assertTrue(restore.err().contains("no backup file " + cwd.resolve("missing.rkv")), restore.err());
        assertTrue(LocalCluster.load(dir()).isEmpty(), "nothing was started or recorded");
    }
}
