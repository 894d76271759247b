package io.raftkv.cli;

import static io.raftkv.cli.DrillSupport.await;
import static io.raftkv.cli.DrillSupport.awaitReady;
import static io.raftkv.cli.DrillSupport.cluster;
import static io.raftkv.cli.DrillSupport.readyz;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.client.RaftKvClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/operations.md, drill by drill: each test breaks its own local cluster of real node processes and
 * repairs it with the runbook's commands through bin/raftkv, then checks what the runbook says healthy
 * looks like: every endpoint healthy, the writes acknowledged before the incident readable, new writes
 * working, the restored or replaced member caught up. Every command and its output goes to
 * cli/target/runbook-drills/TEST.txt (where the runbook's examples come from). Clusters use
 * {@code --base-port 0} so they never meet a cluster on the default ports.
 */
class RunbookDrillsIT {
    private static final Duration FAILOVER = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private BinRaftkv raftkv;
    private final List<String> clusters = new ArrayList<>();

    @BeforeEach
    void transcript(TestInfo info) throws IOException {
        Path t = BinRaftkv.ROOT.resolve("cli/target/runbook-drills/" + info.getTestMethod().orElseThrow().getName() + ".txt");
        Files.deleteIfExists(t);
        raftkv = new BinRaftkv(dir, t);
    }

    @AfterEach
    void down() {
        clusters.forEach(c -> raftkv.run("local", "down", "--dir", c));
    }

    /** {@code local up} of a new 3-node cluster in DIR/name, with extra server flags. */
    private String up(String name, String... serverFlags) {
        String c = dir.resolve(name).toString();
        clusters.add(c);
        List<String> args = new ArrayList<>(List.of("local", "up", "--dir", c, "--base-port", "0"));
        if (serverFlags.length > 0) {
            args.add("--");
            args.addAll(List.of(serverFlags));
        }
        raftkv.ok(args.toArray(new String[0]));
        return c;
    }

    /** The ids whose role in {@code local status} is {@code role}. */
    private List<Long> withRole(String c, String role) {
        List<Long> ids = new ArrayList<>();
        raftkv.ok("local", "status", "--dir", c).out().lines().skip(1).map(l -> l.trim().split("\\s+"))
                .filter(f -> f[3].equals(role)).forEach(f -> ids.add(Long.parseLong(f[0])));
        return ids;
    }

    private long leader(String c) {
        List<Long> l = withRole(c, "leader");
        assertEquals(1, l.size(), "one leader");
        return l.get(0);
    }

    private long aFollower(String c) {
        return withRole(c, "follower").get(0);
    }

    /** Polls {@code endpoint health --cluster} until every member is healthy; returns that output. */
    private String awaitHealthy(String c) {
        String[] last = {""};
        await(FAILOVER, "every endpoint healthy", () -> {
            BinRaftkv.Run r = raftkv.run("endpoint", "health", "--cluster", "--dir", c);
            last[0] = r.out();
            return r.exit() == 0;
        });
        return last[0];
    }

    private String get(String c, String key) {
        return raftkv.ok("get", key, "--dir", c).out();
    }

    /** A member's own replica: what it applied, without asking the leader. */
    private String getFrom(LocalCluster.Node n, String key) {
        BinRaftkv.Run r = raftkv.run("get", key, "--serializable", "--endpoints", n.clientAddress());
        return r.exit() == 0 ? r.out() : "(exit " + r.exit() + ")";
    }

    private static long count(String text, String needle) {
        return text.lines().filter(l -> l.contains(needle)).count();
    }

    @Test
    void losingAFollower() {
        String c = up("c");
        raftkv.ok("put", "before", "incident", "--dir", c);
        LocalCluster.Node f = cluster(Path.of(c)).node(aFollower(c));
        raftkv.ok("local", "kill", Long.toString(f.id()), "--dir", c);

        BinRaftkv.Run health = raftkv.exits(1, "endpoint", "health", "--cluster", "--dir", c);
        assertTrue(health.out().contains(f.clientAddress() + " is unhealthy: unreachable"), health.out());
        assertEquals(2, count(health.out(), " is healthy: leader "), health.out());
        assertEquals(-1, readyz(f), "nothing answers on its metrics port");
        raftkv.ok("put", "during", "outage", "--dir", c);

        raftkv.ok("local", "restart", Long.toString(f.id()), "--dir", c);
        awaitReady(f);
        raftkv.note("curl http://127.0.0.1:" + f.metricsPort() + "/readyz: ok");
        assertEquals(3, count(awaitHealthy(c), " is healthy: leader "));
        assertEquals("outage", getFrom(f, "during"), "the follower caught up on what it missed");
        assertEquals("incident", get(c, "before"));
        raftkv.ok("put", "after", "repair", "--dir", c);
    }

    @Test
    void losingTheLeader() {
        String c = up("c");
        raftkv.ok("put", "before", "incident", "--dir", c);
        LocalCluster.Node old = cluster(Path.of(c)).node(leader(c));
        raftkv.ok("local", "kill", "leader", "--dir", c);

        String[] seen = {""};
        await(FAILOVER, "a new leader", () -> {
            BinRaftkv.Run r = raftkv.run("endpoint", "health", "--cluster", "--dir", c);
            seen[0] = r.out();
            return count(r.out(), " is healthy: leader ") == 2;
        });
        assertTrue(seen[0].contains(old.clientAddress() + " is unhealthy: unreachable"), seen[0]);
        assertNotEquals(old.id(), leader(c));
        assertEquals("incident", get(c, "before"));
        raftkv.ok("put", "during", "outage", "--dir", c);

        raftkv.ok("local", "restart", Long.toString(old.id()), "--dir", c);
        awaitReady(old);
        assertEquals(3, count(awaitHealthy(c), " is healthy: leader "));
        assertEquals("outage", getFrom(old, "during"), "the old leader caught up as a follower");
    }

    @Test
    void losingAMajority() throws IOException {
        String c = up("old");
        raftkv.ok("put", "a", "1", "--dir", c);
        Path nightly = dir.resolve("nightly.rkv");
        raftkv.ok("backup", "save", nightly.toString(), "--dir", c);
        raftkv.ok("put", "b", "2", "--dir", c);
        LocalCluster.Node survivor = cluster(Path.of(c)).node(aFollower(c));
        await(FAILOVER, "the survivor applied b", () -> getFrom(survivor, "b").equals("2"));
        for (long id : cluster(Path.of(c)).nodes().stream().map(LocalCluster.Node::id).filter(id -> id != survivor.id()).toList()) {
            raftkv.ok("local", "kill", Long.toString(id), "--dir", c);
        }

        String s = survivor.clientAddress();
        await(FAILOVER, "the survivor to lose its leader",
                () -> raftkv.run("endpoint", "health", "--endpoints", s).out().contains("is unhealthy: no leader"));
        BinRaftkv.Run refused = raftkv.exits(1, "put", "c", "3", "--timeout", "3s", "--dir", c);
        assertTrue(refused.err().contains("no leader") || refused.err().contains("NO_LEADER"), refused.err());
        assertEquals("2", raftkv.ok("get", "b", "--serializable", "--endpoints", s).out(), "stale reads still work");

        Path rescue = dir.resolve("rescue.rkv");
        BinRaftkv.Run saved = raftkv.ok("backup", "save", rescue.toString(), "--endpoints", s);
        assertTrue(saved.out().contains("(its local state)"), saved.out());
        long nightlyIndex = index(raftkv.ok("backup", "status", nightly.toString()).out());
        long rescueIndex = index(raftkv.ok("backup", "status", rescue.toString()).out());
        assertTrue(rescueIndex > nightlyIndex, "the rescue holds more: " + rescueIndex + " vs " + nightlyIndex);
        raftkv.ok("local", "down", "--dir", c);

        String restored = dir.resolve("new").toString();
        clusters.add(restored);
        BinRaftkv.Run up = raftkv.ok("local", "up", "--dir", restored, "--base-port", "0", "--restore", rescue.toString());
        assertEquals(3, count(up.out(), "restored node "), up.out());
        assertEquals(3, count(awaitHealthy(restored), " is healthy: leader "));
        assertEquals("1", get(restored, "a"));
        assertEquals("2", get(restored, "b"));
        raftkv.ok("put", "c", "3", "--dir", restored);
        LocalCluster.Node any = cluster(Path.of(restored)).node(3);
        await(FAILOVER, "every restored member applies new writes", () -> getFrom(any, "c").equals("3"));
    }

    private static long index(String backupStatus) {
        return Long.parseLong(backupStatus.lines().filter(l -> l.startsWith("index ")).findFirst().orElseThrow()
                .substring("index".length()).trim());
    }

    @Test
    void replacingANode() {
        // Snapshots every 20 entries: the new member starts from a snapshot holding the data, not from the log.
        String c = up("c", "--snapshot-every", "20");
        LocalCluster before = cluster(Path.of(c));
        try (RaftKvClient client = RaftKvClient.builder().endpoints(List.of(before.endpoints().split(","))).build()) {
            for (int i = 0; i < 30; i++) {
                client.put(String.format("k/%02d", i), "v" + i);
            }
        }
        long gone = aFollower(c);
        raftkv.ok("local", "kill", Long.toString(gone), "--dir", c);

        raftkv.ok("member", "remove", Long.toString(gone), "--dir", c);
        raftkv.ok("local", "remove", Long.toString(gone), "--dir", c);
        BinRaftkv.Run added = raftkv.ok("local", "add", "4", "--learner", "--dir", c);
        assertTrue(added.out().startsWith("OK node 4 added as learner at index "), added.out());
        assertTrue(raftkv.ok("member", "list", "--dir", c).out().lines().anyMatch(l -> l.matches("4\\s+.*\\s+learner")),
                "node 4 is a learner");
        raftkv.ok("member", "promote", "4", "--timeout", "30s", "--dir", c);

        String members = raftkv.ok("member", "list", "--dir", c).out();
        assertEquals(3, count(members, "127.0.0.1"), members);
        assertTrue(!members.contains("\n" + gone + " ") && members.contains("\n4 "), members);
        assertEquals(3, count(awaitHealthy(c), " is healthy: leader "));
        LocalCluster.Node n4 = cluster(Path.of(c)).node(4);
        awaitReady(n4);
        String keys = raftkv.ok("get", "k/", "--prefix", "--keys-only", "--serializable", "--endpoints", n4.clientAddress()).out();
        assertEquals(30, keys.lines().count(), "the new member holds every key: " + keys);
        raftkv.ok("put", "after", "replace", "--dir", c);
    }

    @Test
    void diskFull() throws IOException {
        String c = up("c", "--quota-backend-bytes", "1MiB");
        raftkv.ok("put", "before", "incident", "--dir", c);
        Path value = dir.resolve("random-128KiB");
        byte[] random = new byte[128 << 10];
        new Random(14).nextBytes(random);
        Files.write(value, random);

        BinRaftkv.Run refused = null;
        for (int i = 1; i <= 40 && refused == null; i++) {
            BinRaftkv.Run r = raftkv.run(java.util.Map.of(), value, "put", "big/" + i, "--dir", c);
            refused = r.exit() == 0 ? null : r;
        }
        assertTrue(refused != null, "the quota refused a write");
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.err().contains("NOSPACE alarm"), refused.err());
        assertTrue(raftkv.ok("alarm", "list", "--dir", c).out().contains(" nospace: state is "));
        BinRaftkv.Run health = raftkv.exits(1, "endpoint", "health", "--cluster", "--dir", c);
        assertTrue(health.out().contains("is unhealthy: alarm nospace"), health.out());
        assertEquals("incident", get(c, "before"), "reads work");

        assertTrue(raftkv.ok("del", "big/", "--prefix", "--dir", c).out().startsWith("OK index="), "deletes work");
        await(Duration.ofSeconds(60), "the NOSPACE alarm to clear by itself", () -> raftkv.ok("alarm", "list", "--dir", c).out().isEmpty());
        assertEquals(3, count(awaitHealthy(c), " is healthy: leader "));
        raftkv.ok("put", "after", "cleanup", "--dir", c);
        assertEquals("incident", get(c, "before"));
    }

    @Test
    void aCorruptMember() {
        String c = up("c");
        try (RaftKvClient client = RaftKvClient.builder().endpoints(List.of(cluster(Path.of(c)).endpoints().split(","))).build()) {
            for (int i = 0; i < 10; i++) {
                client.put("k/" + i, "v" + i);
            }
        }
        LocalCluster.Node bad = cluster(Path.of(c)).node(aFollower(c));
        await(FAILOVER, "node " + bad.id() + " applied every write", () -> getFrom(bad, "k/9").equals("v9"));
        raftkv.ok("local", "kill", Long.toString(bad.id()), "--dir", c);
        DrillSupport.swapTwoValues(cluster(Path.of(c)).dataDir(bad.id()).resolve("db"));
        raftkv.note("swapped the values of two keys in node " + bad.id() + "'s RocksDB behind its back");
        raftkv.ok("local", "restart", Long.toString(bad.id()), "--dir", c);

        BinRaftkv.Run check = raftkv.exits(1, "check", "state", "--dir", c);
        assertTrue(check.out().contains("CORRUPT member " + bad.id() + ": "), check.out());
        assertTrue(raftkv.ok("alarm", "list", "--dir", c).out().startsWith("member " + bad.id() + " corrupt: "));
        BinRaftkv.Run health = raftkv.exits(1, "endpoint", "health", "--cluster", "--dir", c);
        assertTrue(health.out().contains(bad.clientAddress() + " is unhealthy: alarm corrupt"), health.out());
        assertEquals(503, readyz(bad));

        // Disarming is no repair: the next check finds the same member again.
        raftkv.ok("alarm", "disarm", Long.toString(bad.id()), "corrupt", "--dir", c);
        raftkv.exits(1, "check", "state", "--dir", c);

        raftkv.ok("member", "remove", Long.toString(bad.id()), "--dir", c);
        assertEquals("", raftkv.ok("alarm", "list", "--dir", c).out(), "a removed member's alarm goes with it");
        raftkv.ok("local", "remove", Long.toString(bad.id()), "--dir", c);
        raftkv.ok("local", "add", "4", "--learner", "--dir", c);
        raftkv.ok("member", "promote", "4", "--timeout", "30s", "--dir", c);
        assertTrue(raftkv.ok("check", "state", "--dir", c).out().contains("OK 3 of 3 members agree at index "));
        assertEquals(3, count(awaitHealthy(c), " is healthy: leader "));
        for (int i = 0; i < 2; i++) {
            assertEquals("v" + i, get(c, "k/" + i), "the majority's values, not the swapped ones");
        }
    }

    @Test
    void rollingRestart() throws InterruptedException {
        String c = up("c");
        LocalCluster cl = cluster(Path.of(c));
        try (DrillSupport.Writer w = new DrillSupport.Writer(List.of(cl.endpoints().split(",")), "w/")) {
            for (LocalCluster.Node n : cl.nodes()) {
                restartOne(c, n, null);
            }
            await(FAILOVER, "writes after the last restart", () -> w.acknowledged().size() > 20);
            w.close();
            assertEquals(List.of(), w.failures(), "no client write failed during the rolling restart");
            assertAllReadable(c, w.acknowledged());
        }
        assertEquals(3, count(awaitHealthy(c), " is healthy: leader "));
    }

    @Test
    void rollingUpgrade() throws InterruptedException {
        String c = up("c");
        Path next = DrillSupport.serverJarCalled("0.2.0-drill", dir.resolve("raftkv-server-0.2.0.jar"));
        LocalCluster cl = cluster(Path.of(c));
        try (DrillSupport.Writer w = new DrillSupport.Writer(List.of(cl.endpoints().split(",")), "w/")) {
            for (LocalCluster.Node n : cl.nodes()) {
                restartOne(c, n, next);
                String versions = raftkv.ok("endpoint", "status", "--cluster", "-w", "table", "--dir", c).out();
                assertEquals(n.id(), count(versions, " 0.2.0-drill "), "node by node:\n" + versions);
            }
            await(FAILOVER, "writes after the last restart", () -> w.acknowledged().size() > 20);
            w.close();
            assertEquals(List.of(), w.failures(), "no client write failed during the rolling upgrade");
            assertAllReadable(c, w.acknowledged());
        }
        assertEquals(3, count(awaitHealthy(c), " is healthy: leader "));
    }

    /** One node of a rolling restart: drain it if it leads, restart it (from {@code jar} if given), wait until it is ready. */
    private void restartOne(String c, LocalCluster.Node n, Path jar) {
        if (leader(c) == n.id()) {
            raftkv.ok("transfer", "0", "--dir", c);
            await(FAILOVER, "leadership to leave node " + n.id(), () -> withRole(c, "leader").stream().anyMatch(l -> l != n.id()));
        }
        if (jar == null) {
            raftkv.ok("local", "restart", Long.toString(n.id()), "--dir", c);
        } else {
            raftkv.ok("local", "restart", Long.toString(n.id()), "--server-jar", jar.toString(), "--dir", c);
        }
        awaitReady(n);
        raftkv.note("curl http://127.0.0.1:" + n.metricsPort() + "/readyz: ok");
        assertEquals(3, count(awaitHealthy(c), " is healthy: leader "));
    }

    private void assertAllReadable(String c, List<String> acknowledged) {
        List<String> keys = raftkv.ok("get", "w/", "--prefix", "--keys-only", "--dir", c).out().lines().toList();
        assertEquals(acknowledged.stream().sorted().toList(), keys.stream().sorted().toList(), "every acknowledged write, nothing else");
    }
}
