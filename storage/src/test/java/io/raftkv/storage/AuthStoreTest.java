package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static io.raftkv.storage.Fixtures.only;
import static io.raftkv.storage.Fixtures.propose;
import static io.raftkv.storage.Fixtures.proposeRequests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replicated auth store: changes through the log, the stale-revision guard at apply, restarts, backups. */
class AuthStoreTest {
    static final AuthState.PasswordHash HASH = new AuthState.PasswordHash(1000, Bytes.of("0123456789abcdef"),
            Bytes.of("0123456789abcdef0123456789abcdef"));
    static final Bytes KEY = Bytes.of("k".repeat(32));

    @TempDir
    Path dir;

    static Command auth(AuthOp op) {
        return new Command.Auth(op);
    }

    /** Proposes {@code c} authorized at the store's current revision (as the server does). */
    static Result checked(RaftStore s, Command c) {
        return only(proposeRequests(s, 1, List.of(Request.of(c).withAuthRevision(s.stateMachine().auth().revision()))));
    }

    static Result.Rejected rejected(Result r, Result.Reason reason) {
        Result.Rejected rej = assertInstanceOf(Result.Rejected.class, r);
        assertEquals(reason, rej.reason(), rej.detail());
        return rej;
    }

    /** Root user with role root, role app reading a/ and writing [w, x), user alice with app; auth on. */
    static void setUp(RaftStore s) {
        List<Applied> out = propose(s, 1, auth(new AuthOp.UserAdd("root", HASH)), auth(new AuthOp.UserGrant("root", "root")),
                auth(new AuthOp.RoleAdd("app")),
                auth(new AuthOp.RoleGrant("app", AuthState.Permission.prefix(AuthState.Access.READ, b("a/")))),
                auth(new AuthOp.RoleGrant("app", new AuthState.Permission(AuthState.Access.WRITE, new KeyRange(b("w"), b("x")), false))),
                auth(new AuthOp.UserAdd("alice", HASH)), auth(new AuthOp.UserGrant("alice", "app")),
                auth(new AuthOp.Enable(KEY)));
        out.forEach(a -> assertInstanceOf(Result.AuthChanged.class, a.result(), a.toString()));
    }

    @Test
    void changesGoThroughTheLogAndBumpTheRevision() {
        try (RaftStore s = Fixtures.open(dir)) {
            assertEquals(AuthState.EMPTY, s.stateMachine().auth());
            rejected(only(propose(s, 1, auth(new AuthOp.Enable(KEY)))), Result.Reason.AUTH_REFUSED);
            setUp(s);
            AuthState a = s.stateMachine().auth();
            assertTrue(a.enabled());
            assertEquals(8, a.revision());
            assertEquals(List.of("alice", "root"), List.copyOf(a.users().keySet()));
            assertEquals(2, a.roles().get("app").permissions().size());
            assertFalse(a.toString().contains("0123456789abcdef"), "no hash or key in toString: " + a);

            rejected(checked(s, auth(new AuthOp.UserAdd("alice", HASH))), Result.Reason.AUTH_REFUSED);
            rejected(checked(s, auth(new AuthOp.UserGrant("alice", "nope"))), Result.Reason.AUTH_REFUSED);
            String why = rejected(checked(s, auth(new AuthOp.UserDelete("root"))), Result.Reason.AUTH_REFUSED).detail();
            assertTrue(why.contains("while auth is enabled"), why);
            assertEquals(8, s.stateMachine().auth().revision(), "refusals change nothing");

            // Deleting a role removes it from its users (etcd).
            assertInstanceOf(Result.AuthChanged.class, checked(s, auth(new AuthOp.RoleDelete("app"))));
            assertEquals(List.of(), List.copyOf(s.stateMachine().auth().users().get("alice").roles()));
        }
    }

    @Test
    void enablingAgainKeepsTheSigningKeySoTokensTurnStaleNotInvalid() {
        try (RaftStore s = Fixtures.open(dir)) {
            setUp(s);
            AuthState before = s.stateMachine().auth();
            Bytes other = Bytes.copyOf(new byte[32]);
            assertInstanceOf(Result.AuthChanged.class, checked(s, auth(new AuthOp.Enable(other))));
            AuthState after = s.stateMachine().auth();
            assertTrue(after.enabled());
            assertEquals(before.signingKey(), after.signingKey(), "the rerun's new key is not taken");
            assertEquals(before.revision() + 1, after.revision(), "tokens issued before are stale: clients log in again");

            // Off and on again: a fresh key, as at the first enable.
            checked(s, auth(new AuthOp.Disable()));
            assertInstanceOf(Result.AuthChanged.class, only(propose(s, 1, auth(new AuthOp.Enable(other)))));
            assertEquals(other, s.stateMachine().auth().signingKey());
        }
    }

    @Test
    void aRequestAuthorizedAtAnOlderRevisionIsRefusedAtApplyWithoutUsingItsSequence() {
        try (RaftStore s = Fixtures.open(dir)) {
            setUp(s);
            long rev = s.stateMachine().auth().revision();
            long sid = ((Result.SessionOpened) only(proposeRequests(s, 1, List.of(
                    Request.of(new Command.OpenSession(60_000, 1)).withAuth(rev, "alice"))))).sessionId();
            // A revoke lands between the check (at rev) and the apply of the put.
            assertInstanceOf(Result.AuthChanged.class, checked(s, auth(new AuthOp.UserRevoke("alice", "app"))));
            Request put = Request.inSession(sid, 1, new Command.Put(b("w1"), b("v"))).withAuth(rev, "alice");
            rejected(only(proposeRequests(s, 1, List.of(put))), Result.Reason.AUTH_STALE);
            assertTrue(s.stateMachine().get(b("w1")).isEmpty());
            // The retry, authorized again at the new revision, uses the same sequence number.
            Request retry = put.withAuthRevision(s.stateMachine().auth().revision());
            assertInstanceOf(Result.Written.class, only(proposeRequests(s, 1, List.of(retry))));
            // A request without a revision (format 1: checked before auth was ever enabled) is stale too.
            rejected(only(propose(s, 1, new Command.Put(b("w2"), b("v")))), Result.Reason.AUTH_STALE);
            // Internal commands are not checked.
            assertInstanceOf(Result.HashPoint.class, only(propose(s, 1, new Command.HashState())));
            // With auth off, nothing is checked.
            assertInstanceOf(Result.AuthChanged.class, checked(s, auth(new AuthOp.Disable())));
            assertInstanceOf(Result.Written.class, only(propose(s, 1, new Command.Put(b("w2"), b("v")))));
        }
    }

    @Test
    void aSessionServesOnlyTheUserWhoOpenedItAndRoot() {
        try (RaftStore s = Fixtures.open(dir)) {
            setUp(s);
            assertInstanceOf(Result.AuthChanged.class, checked(s, auth(new AuthOp.UserAdd("bob", HASH))));
            long rev = s.stateMachine().auth().revision();
            long sid = ((Result.SessionOpened) only(proposeRequests(s, 1, List.of(
                    Request.of(new Command.OpenSession(60_000, 1)).withAuth(rev, "alice"))))).sessionId();
            Request mine = Request.inSession(sid, 1, new Command.Put(b("w1"), b("a"))).withAuth(rev, "alice");
            assertInstanceOf(Result.Written.class, only(proposeRequests(s, 1, List.of(mine))));
            String why = rejected(only(proposeRequests(s, 1, List.of(Request.inSession(sid, 1, new Command.Put(b("w1"), b("b")))
                    .withAuth(rev, "bob")))), Result.Reason.NOT_SESSION_OWNER).detail();
            assertEquals("session " + sid + " belongs to user \"alice\", not to user \"bob\"", why);
            rejected(only(proposeRequests(s, 1, List.of(Request.of(new Command.KeepAlive(sid, 2)).withAuth(rev, "bob")))),
                    Result.Reason.NOT_SESSION_OWNER);
            rejected(only(proposeRequests(s, 1, List.of(Request.of(new Command.CloseSession(sid)).withAuth(rev, "bob")))),
                    Result.Reason.NOT_SESSION_OWNER);
            assertEquals("a", s.stateMachine().get(b("w1")).orElseThrow().value().utf8());
            assertInstanceOf(Result.Done.class, only(proposeRequests(s, 1, List.of(
                    Request.of(new Command.KeepAlive(sid, 3)).withAuth(rev, "root")))), "root may");
            assertInstanceOf(Result.Written.class, only(proposeRequests(s, 1, List.of(
                    Request.inSession(sid, 2, new Command.Put(b("w1"), b("c"))).withAuth(rev, "alice")))));
            assertEquals(new KvStateMachine.SessionInfo(sid, 2, 60_000, 3), s.stateMachine().session(sid).orElseThrow(),
                    "the owner's session moved on; the refusals changed nothing");
        }
    }

    @Test
    void aSessionOpenedWhileAuthWasOffServesOnlyRootOnceAuthIsOn() {
        try (RaftStore s = Fixtures.open(dir)) {
            // Opened with auth off: the session records no owner.
            long sid = ((Result.SessionOpened) only(propose(s, 1, new Command.OpenSession(60_000, 1)))).sessionId();
            only(propose(s, 1, new Command.Put(b("a/secret"), b("s3"))));
            setUp(s);
            assertInstanceOf(Result.AuthChanged.class, checked(s, auth(new AuthOp.UserAdd("bob", HASH))));
            long rev = s.stateMachine().auth().revision();
            // alice reads a/secret in it; the result is kept in the session for a retry of sequence 1.
            Command.Txn read = new Command.Txn(List.of(), List.of(new Command.Range(KeyRange.prefix(b("a/")), 10)), List.of());
            Result alices = only(proposeRequests(s, 1, List.of(Request.inSession(sid, 1, read).withAuth(rev, "alice"))));
            // bob, who may read nothing, "retries" sequence 1 with a transaction of his own: he must not get alice's
            // stored result (a session without an owner served every user).
            Command.Txn nothing = new Command.Txn(List.of(), List.of(), List.of());
            Result bobs = only(proposeRequests(s, 1, List.of(Request.inSession(sid, 1, nothing).withAuth(rev, "bob"))));
            rejected(bobs, Result.Reason.NOT_SESSION_OWNER);
            rejected(alices, Result.Reason.NOT_SESSION_OWNER);
            rejected(only(proposeRequests(s, 1, List.of(Request.of(new Command.KeepAlive(sid, 2)).withAuth(rev, "bob")))),
                    Result.Reason.NOT_SESSION_OWNER);
            assertInstanceOf(Result.Done.class, only(proposeRequests(s, 1, List.of(
                    Request.of(new Command.CloseSession(sid)).withAuth(rev, "root")))), "root may");
        }
    }

    @Test
    void authOpsRoundTripTheCodecAndOldFormatStaysForRequestsWithoutARevision() {
        Request plain = Request.of(new Command.Put(b("k"), b("v")));
        assertEquals(CommandCodec.FORMAT, CommandCodec.encode(plain)[0]);
        Request checked = plain.withAuth(7, "alice");
        assertEquals(CommandCodec.FORMAT_AUTH, CommandCodec.encode(checked)[0]);
        assertEquals(checked, CommandCodec.decode(CommandCodec.encode(checked)));
        for (AuthOp op : List.of(new AuthOp.Enable(KEY), new AuthOp.Disable(), new AuthOp.UserAdd("u", HASH),
                new AuthOp.UserAdd("cert-only", null), new AuthOp.UserDelete("u"), new AuthOp.UserPassword("u", HASH),
                new AuthOp.UserGrant("u", "r"), new AuthOp.UserRevoke("u", "r"), new AuthOp.RoleAdd("r"),
                new AuthOp.RoleDelete("r"), new AuthOp.RoleGrant("r", AuthState.Permission.prefix(AuthState.Access.READWRITE, b("p/"))),
                new AuthOp.RoleRevoke("r", new KeyRange(b("a"), null)))) {
            Request r = Request.of(auth(op));
            byte[] enc = CommandCodec.encode(r);
            assertEquals(CommandCodec.FORMAT_AUTH, enc[0], "auth changes halt nodes that do not know them: " + op);
            assertEquals(r, CommandCodec.decode(enc));
        }
        assertThrows(IllegalArgumentException.class, () -> new AuthOp.UserAdd("a:b", HASH));
        assertThrows(IllegalArgumentException.class, () -> new AuthOp.UserAdd("x".repeat(129), HASH));
    }

    @Test
    void theStoreSurvivesARestartASnapshotImageAndABackupRestore() throws Exception {
        AuthState before;
        Path file = dir.resolve("b.rkv");
        try (RaftStore s = RaftStore.open(StoreConfig.of(dir.resolve("src"), 1, Fixtures.CLUSTER).withInitialMembers(Fixtures.VOTERS))) {
            setUp(s);
            before = s.stateMachine().auth();
            BackupFileTest.save(s, file);
        }
        try (RaftStore s = RaftStore.open(StoreConfig.of(dir.resolve("src"), 1, Fixtures.CLUSTER).withInitialMembers(Fixtures.VOTERS))) {
            assertEquals(before, s.stateMachine().auth(), "after a restart");
        }
        BackupRestore.Restored r = BackupRestore.restore(file, dir.resolve("restored"), 4, i -> "c2",
                BackupFileTest.NEW_MEMBERS, (d, i) -> { });
        assertEquals(0, r.droppedMetaRecords());
        try (RaftStore n = RaftStore.open(StoreConfig.of(dir.resolve("restored"), 4, "c2").withInitialMembers(BackupFileTest.NEW_MEMBERS))) {
            assertEquals(before, n.stateMachine().auth(), "a restored cluster keeps its users, roles and signing key");
        }
    }
}
