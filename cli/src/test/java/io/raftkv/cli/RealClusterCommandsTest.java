package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.server.cli.CliRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against real nodes, where only a real server answers truthfully: refusals, removals, transactions, backups. */
class RealClusterCommandsTest {
    @TempDir
    Path dir;

    private static FakeCluster.Result cli(Path cwd, RealCluster c, String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = c.endpointsFlag();
        return FakeCluster.run(Map.of(), cwd, all);
    }

    private static FakeCluster.Result cli(Path cwd, RealCluster c, byte[] stdin, String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = c.endpointsFlag();
        return FakeCluster.run(Map.of(), cwd, stdin, () -> {
            throw new AssertionError("no launching");
        }, all);
    }

    /** Issue 14: 'transfer 9' to a non-member printed OK leader=9 and exited 0. */
    @Test
    void refusedInputExits2WithTheServersReasonAndTransactionsFollowEtcdctl() {
        try (RealCluster c = new RealCluster(dir.resolve("c"), 3)) {
            long leader = c.awaitLeader();
            FakeCluster.Result t = cli(dir, c, "transfer", "9");
            assertEquals(2, t.code(), t.toString());
            assertEquals("", t.out());
            assertTrue(t.err().contains("node 9 is not a voter") && t.err().contains("voters"), t.err());

            long follower = leader == 1 ? 2 : 1;
            FakeCluster.Result moved = cli(dir, c, "transfer", Long.toString(follower));
            assertEquals(0, moved.code(), moved.toString());
            assertEquals("OK leadership moves to node " + follower + "\n", moved.out());

            assertEquals(0, cli(dir, c, "put", "a/1", "one").code());
            assertEquals(0, cli(dir, c, "put", "a/2", "two").code());
            String script = "value(\"a/1\") = \"one\"\nversion(\"a/2\") > \"0\"\n\nput a/3 \"three 3\"\nget a/ --prefix\n\nput lost x\n";
            FakeCluster.Result ok = cli(dir, c, script.getBytes(StandardCharsets.UTF_8), "txn");
            assertEquals(0, ok.code(), ok.toString());
            assertTrue(ok.out().startsWith("SUCCESS\nOK index=") && ok.out().endsWith("a/1\tone\na/2\ttwo\na/3\tthree 3\n"), ok.out());
            FakeCluster.Result no = cli(dir, c, "value(\"a/1\") = \"nope\"\n\nput x y\n\nput lost x\n".getBytes(StandardCharsets.UTF_8), "txn");
            assertEquals(3, no.code(), no.toString());
            assertTrue(no.out().startsWith("FAILURE\nOK index="), no.out());
            assertEquals(2, cli(dir, c, "bogus(\"a\") = \"1\"\n".getBytes(StandardCharsets.UTF_8), "txn").code());

            FakeCluster.Result del = cli(dir, c, "del", "a/", "--prefix");
            assertEquals(0, del.code(), del.toString());
            assertEquals("lost\tx\n", cli(dir, c, "get", "", "--prefix").out());
        }
    }

    /** Issue 14: removing the last voter spent 10-13 s in retries, then said "needs 1 active voters of 0". */
    @Test
    void removingTheLastVoterIsRefusedAtOnce() {
        try (RealCluster c = new RealCluster(dir.resolve("c"), 1)) {
            c.awaitLeader();
            long t0 = System.nanoTime();
            FakeCluster.Result r = cli(dir, c, "member", "remove", "1");
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("cannot remove the last voter"), r.err());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(3).toNanos(), "answered at once");
        }
    }

    /** Issue 14: a removed node made the CLI retry for 10-13 s and then blame missing members. */
    @Test
    void aRemovedNodeIsNamedAsRemovedWithinTheDeadline() {
        try (RealCluster c = new RealCluster(dir.resolve("c"), 3)) {
            long leader = c.awaitLeader();
            long victim = leader == 3 ? 2 : 3;
            assertEquals(0, cli(dir, c, "member", "remove", Long.toString(victim)).code());
            RealCluster.await(Duration.ofSeconds(10), "node " + victim + " to learn it was removed", () -> c.status(victim).removed());
            long t0 = System.nanoTime();
            FakeCluster.Result r = FakeCluster.run(Map.of(), dir, "get", "k", "--endpoints", c.clientAddrs.get(victim));
            long took = System.nanoTime() - t0;
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains("was removed"), r.err());
            assertTrue(took < Duration.ofSeconds(7).toNanos(), "within the 5 s default deadline, took " + took / 1_000_000 + " ms");

            FakeCluster.Result health = cli(dir, c, "endpoint", "health");
            assertEquals(1, health.code(), health.toString());
            assertTrue(health.out().contains(c.clientAddrs.get(victim) + " is unhealthy: node " + victim + " was removed"), health.out());
            FakeCluster.Result status = FakeCluster.run(Map.of(), dir, "endpoint", "status", "--cluster", "-w", "json",
                    "--endpoints", c.clientAddrs.get(leader));
            assertEquals(0, status.code(), status.toString());
            assertEquals(2, status.out().split("\"endpoint\"").length - 1, "the two members left: " + status.out());
        }
    }

    /** backup save through the client library, then the server jar's offline status and restore read the file. */
    @Test
    void aSavedBackupVerifiesAndRestores() throws Exception {
        Path file = dir.resolve("b.rkv");
        try (RealCluster c = new RealCluster(dir.resolve("c"), 3)) {
            c.awaitLeader();
            assertEquals(0, cli(dir, c, "put", "k", "v").code());
            FakeCluster.Result saved = cli(dir, c, "backup", "save", "b.rkv");
            assertEquals(0, saved.code(), saved.toString());
            assertTrue(saved.out().startsWith("saved " + file + "\n") && saved.out().contains("keys        1\n")
                    && saved.out().contains("(linearizable)"), saved.out());
            assertEquals(1, cli(dir, c, "backup", "save", "b.rkv").code(), "no overwrite without --force");
        }
        assertTrue(!Files.exists(dir.resolve("b.rkv.part")));
        CliRunner.Result status = CliRunner.run(dir, "backup", "status", "b.rkv");
        assertEquals(0, status.code(), status.toString());
        assertTrue(status.out().contains("keys        1\n"), status.out());
    }
}
