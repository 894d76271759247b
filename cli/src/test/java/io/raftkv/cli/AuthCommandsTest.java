package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code raftkv auth|user|role} and {@code --user} against a real node: the README's tour, refusals, exit codes. */
class AuthCommandsTest {
    @TempDir
    Path dir;

    private FakeCluster.Result cli(RealCluster c, Map<String, String> env, String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = c.endpointsFlag();
        return FakeCluster.run(env, dir, all);
    }

    private FakeCluster.Result ok(RealCluster c, Map<String, String> env, String... args) {
        FakeCluster.Result r = cli(c, env, args);
        assertEquals(0, r.code(), String.join(" ", args) + ": " + r);
        return r;
    }

    @Test
    void theTourWorksAndRefusalsNameTheMissingPermission() throws Exception {
        Files.writeString(dir.resolve("root.pw"), "root-pw\n");
        Files.writeString(dir.resolve("alice.pw"), "alice-pw\n");
        Map<String, String> none = Map.of();
        try (RealCluster c = new RealCluster(dir.resolve("c"), 1)) {
            c.awaitLeader();
            FakeCluster.Result early = cli(c, none, "auth", "enable");
            assertEquals(2, early.code(), early.toString());
            assertTrue(early.err().contains("user \"root\" must exist and have role \"root\""), early.err());

            assertEquals("OK user root added (auth revision 1)\n",
                    ok(c, none, "user", "add", "root", "--new-password-file", "root.pw").out());
            ok(c, none, "user", "grant", "root", "root");
            ok(c, none, "role", "add", "app");
            assertEquals("OK role app granted READWRITE prefix app/ (auth revision 4)\n",
                    ok(c, none, "role", "grant", "app", "readwrite", "--prefix", "app/").out());
            ok(c, none, "role", "grant", "app", "read", "--from", "pub/", "--to", "pub0");
            ok(c, none, "user", "add", "alice", "--new-password-file", "alice.pw");
            ok(c, none, "user", "grant", "alice", "app");
            assertTrue(ok(c, none, "auth", "enable").out().startsWith("OK auth enabled (auth revision 8)"));

            // Without --user: refused, exit 1, telling how to log in.
            FakeCluster.Result anon = cli(c, none, "put", "app/1", "x");
            assertEquals(1, anon.code(), anon.toString());
            assertTrue(anon.err().contains("auth is enabled") && anon.err().contains("--user NAME"), anon.err());
            // The password from a file, from $RAFTKV_PASSWORD, and etcdctl's NAME:PASSWORD with a warning.
            ok(c, none, "put", "app/1", "x", "--user", "alice", "--password-file", "alice.pw");
            assertEquals("x\n", ok(c, Map.of("RAFTKV_PASSWORD", "alice-pw"), "get", "app/1", "--user", "alice").out());
            FakeCluster.Result inline = ok(c, none, "get", "app/1", "--user", "alice:alice-pw");
            assertTrue(inline.err().contains("warning: --user NAME:PASSWORD"), inline.err());
            assertFalse(inline.err().contains("alice-pw") || inline.out().contains("alice-pw"), "the password is never printed");
            assertFalse(inline.err().contains("without TLS"), "a password to this machine's loopback is not warned about");

            FakeCluster.Result denied = cli(c, Map.of("RAFTKV_PASSWORD", "alice-pw"), "put", "pub/1", "x", "--user", "alice");
            assertEquals(1, denied.code(), denied.toString());
            assertTrue(denied.err().contains("user \"alice\" has no WRITE on key \"pub/1\""), denied.err());
            FakeCluster.Result scan = cli(c, Map.of("RAFTKV_PASSWORD", "alice-pw"), "get", "app", "--prefix", "--user", "alice");
            assertEquals(1, scan.code(), scan.toString());
            assertTrue(scan.err().contains("has no READ on prefix app"), scan.err());
            FakeCluster.Result wrong = cli(c, Map.of("RAFTKV_PASSWORD", "nope"), "get", "app/1", "--user", "alice");
            assertEquals(1, wrong.code(), wrong.toString());
            assertTrue(wrong.err().contains("wrong user name or password"), wrong.err());
            FakeCluster.Result notAdmin = cli(c, Map.of("RAFTKV_PASSWORD", "alice-pw"), "user", "list", "--user", "alice");
            assertEquals(1, notAdmin.code(), notAdmin.toString());
            assertTrue(notAdmin.err().contains("no admin permission (role \"root\")"), notAdmin.err());

            Map<String, String> root = Map.of("RAFTKV_PASSWORD", "root-pw");
            assertEquals("alice\nroot\n", ok(c, root, "user", "list", "--user", "root").out());
            assertEquals("user alice roles: app\n", ok(c, root, "user", "get", "alice", "--user", "root").out());
            assertEquals("ACCESS     KEYS\nreadwrite  prefix app/\nread       [pub/, pub0)\n",
                    ok(c, root, "role", "get", "app", "--user", "root", "-w", "table").out());
            assertEquals("{\"roles\":[\"root\",\"app\"]}\n", ok(c, root, "role", "list", "--user", "root", "-w", "json").out());
            assertTrue(ok(c, root, "auth", "status").out().startsWith("auth enabled (auth revision 8)"));
            // Backups need role root.
            FakeCluster.Result aliceBackup = cli(c, Map.of("RAFTKV_PASSWORD", "alice-pw"), "backup", "save", "a.rkv", "--user", "alice");
            assertEquals(1, aliceBackup.code(), aliceBackup.toString());
            assertTrue(aliceBackup.err().contains("no admin permission"), aliceBackup.err());
            ok(c, root, "backup", "save", "r.rkv", "--user", "root");
            assertTrue(Files.size(dir.resolve("r.rkv")) > 0);
            ok(c, root, "role", "revoke", "app", "--from", "pub/", "--to", "pub0", "--user", "root");
            ok(c, root, "auth", "disable", "--user", "root");
            assertEquals("x\n", ok(c, none, "get", "app/1").out());

            FakeCluster.Result both = cli(c, root, "role", "grant", "app", "read", "--prefix", "a", "--from", "b");
            assertEquals(2, both.code(), both.toString());
            FakeCluster.Result noTty = cli(c, none, "user", "add", "bob");
            assertEquals(2, noTty.code(), noTty.toString());
            assertTrue(noTty.err().contains("--new-password-file FILE"), noTty.err());
        }
    }
}
