package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.raftkv.proto.AddMemberRequest;
import io.raftkv.proto.AuthEnableRequest;
import io.raftkv.proto.AuthGrpc;
import io.raftkv.proto.AuthenticateRequest;
import io.raftkv.proto.Compare;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.MaintenanceGrpc;
import io.raftkv.proto.OpenSessionRequest;
import io.raftkv.proto.Permission;
import io.raftkv.proto.PutOp;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.RoleAddRequest;
import io.raftkv.proto.RoleGrantPermissionRequest;
import io.raftkv.proto.ScanRequest;
import io.raftkv.proto.SnapshotRequest;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.TxnOp;
import io.raftkv.proto.TxnRequest;
import io.raftkv.proto.UserAddRequest;
import io.raftkv.proto.UserGrantRoleRequest;
import io.raftkv.proto.UserListRequest;
import io.raftkv.storage.AuthState;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Users, roles and tokens end to end on real nodes (issue 13 item 3): every refusal is PERMISSION_DENIED or
 * UNAUTHENTICATED with the ErrorDetail code and a message naming the user and the missing permission.
 */
class AuthTest {
    static final String ROOT_PW = "root-secret-7f3a";
    static final String ALICE_PW = "alice-secret-91c2";

    @TempDir
    java.nio.file.Path dir;

    static CallCredentials bearer(String token) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                Metadata m = new Metadata();
                m.put(AuthGate.AUTHORIZATION, "Bearer " + token);
                applier.apply(m);
            }
        };
    }

    static <S extends AbstractStub<S>> S as(S stub, String token) {
        return stub.withCallCredentials(bearer(token));
    }

    static AuthGrpc.AuthBlockingStub auth(TestCluster c, long id) {
        return AuthGrpc.newBlockingStub(c.channel(id)).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    static String login(TestCluster c, long id, String user, String password) {
        return auth(c, id).authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build()).getToken();
    }

    static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static Permission prefix(Permission.Type t, String p) {
        return Permission.newBuilder().setType(t).setKey(b(p)).setPrefix(true).build();
    }

    /** Asserts a refusal with this status and code whose message contains every fragment; returns the message. */
    static String refused(Status.Code status, ErrorDetail.Code code, Runnable call, String... fragments) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(status, e.getStatus().getCode(), e.toString());
        assertEquals(code, TestCluster.detail(e).getCode(), e.toString());
        String msg = e.getStatus().getDescription();
        for (String f : fragments) {
            assertTrue(msg.contains(f), "'" + f + "' in: " + msg);
        }
        return msg;
    }

    static void denied(Runnable call, String... fragments) {
        refused(Status.Code.PERMISSION_DENIED, ErrorDetail.Code.PERMISSION_DENIED, call, fragments);
    }

    /**
     * root (role root); role "reader" READ on prefix a/; role "writer" READWRITE on [w/, w0); alice has both.
     * Auth enable is refused until root exists with role root. Returns root's token.
     */
    static String setUp(TestCluster c, long leader) {
        AuthGrpc.AuthBlockingStub a = auth(c, leader);
        refused(Status.Code.INVALID_ARGUMENT, ErrorDetail.Code.INVALID, () -> a.authEnable(AuthEnableRequest.getDefaultInstance()),
                "user \"root\" must exist and have role \"root\"");
        a.userAdd(UserAddRequest.newBuilder().setName("root").setPassword(ROOT_PW).build());
        refused(Status.Code.INVALID_ARGUMENT, ErrorDetail.Code.INVALID, () -> a.authEnable(AuthEnableRequest.getDefaultInstance()),
                "must exist and have role \"root\"");
        a.userGrantRole(UserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
        a.roleAdd(RoleAddRequest.newBuilder().setName("reader").build());
        a.roleGrantPermission(RoleGrantPermissionRequest.newBuilder().setRole("reader")
                .setPermission(prefix(Permission.Type.READ, "a/")).build());
        a.roleAdd(RoleAddRequest.newBuilder().setName("writer").build());
        a.roleGrantPermission(RoleGrantPermissionRequest.newBuilder().setRole("writer").setPermission(Permission.newBuilder()
                .setType(Permission.Type.READWRITE).setKey(b("w/")).setRangeEnd(b("w0"))).build());
        a.userAdd(UserAddRequest.newBuilder().setName("alice").setPassword(ALICE_PW).build());
        a.userGrantRole(UserGrantRoleRequest.newBuilder().setUser("alice").setRole("reader").build());
        a.userGrantRole(UserGrantRoleRequest.newBuilder().setUser("alice").setRole("writer").build());
        a.authEnable(AuthEnableRequest.getDefaultInstance());
        return login(c, leader, "root", ROOT_PW);
    }

    @Test
    void everyRefusalNamesTheUserAndTheMissingPermissionAndNothingLeaksToTheLogs() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        String aliceToken;
        String rootToken;
        try (TestCluster c = new TestCluster(dir, 3, x -> x)) {
            long leader = c.awaitLeader();
            rootToken = setUp(c, leader);
            long t0 = System.nanoTime();
            aliceToken = login(c, leader, "alice", ALICE_PW);
            long loginMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("one login (PBKDF2, " + Passwords.ITERATIONS + " iterations) took " + loginMs + " ms");
            var kv = c.kv(leader);
            var alice = as(c.kv(leader), aliceToken);

            // No token, a wrong password, an unknown user, garbage.
            refused(Status.Code.UNAUTHENTICATED, ErrorDetail.Code.UNAUTHENTICATED,
                    () -> kv.get(GetRequest.newBuilder().setKey(b("a/1")).build()), "auth is enabled", "Bearer");
            refused(Status.Code.UNAUTHENTICATED, ErrorDetail.Code.UNAUTHENTICATED, () -> login(c, leader, "alice", "wrong"),
                    "wrong user name or password");
            refused(Status.Code.UNAUTHENTICATED, ErrorDetail.Code.UNAUTHENTICATED, () -> login(c, leader, "mallory", "x"),
                    "wrong user name or password");
            refused(Status.Code.UNAUTHENTICATED, ErrorDetail.Code.UNAUTHENTICATED,
                    () -> as(c.kv(leader), "v1.bm9wZQ.bm9wZQ").get(GetRequest.newBuilder().setKey(b("a/1")).build()), "invalid token");
            // Open while auth is on: status (and health).
            c.cluster(leader).status(StatusRequest.getDefaultInstance());

            // Granted: read a/, read-write [w/, w0), through any member (every member verifies every token).
            as(c.kv(leader), rootToken).put(PutRequest.newBuilder().setKey(b("a/1")).setValue(b("x")).build());
            alice.put(PutRequest.newBuilder().setKey(b("w/1")).setValue(b("y")).build());
            long follower = c.follower();
            assertEquals("x", as(c.kv(follower), aliceToken).get(GetRequest.newBuilder().setKey(b("a/1")).build()).getKv()
                    .getValue().toStringUtf8());
            alice.openSession(OpenSessionRequest.getDefaultInstance());

            // A READ-only grant does not allow writing.
            denied(() -> alice.put(PutRequest.newBuilder().setKey(b("a/1")).setValue(b("z")).build()),
                    "user \"alice\" has no WRITE on key \"a/1\"", "role \"writer\" grants READWRITE on [w/, w0)");
            denied(() -> alice.get(GetRequest.newBuilder().setKey(b("b")).build()), "user \"alice\" has no READ on key \"b\"",
                    "role \"reader\" grants READ on prefix a/");
            // A scan that leaves the granted prefix is refused, not cut short.
            alice.scan(ScanRequest.newBuilder().setPrefix(b("a/")).build());
            denied(() -> alice.scan(ScanRequest.newBuilder().setStartKey(b("a/")).setEndKey(b("b")).build()),
                    "has no READ on [a/, b)", "grants READ on prefix a/");
            denied(() -> alice.scan(ScanRequest.newBuilder().setPrefix(b("a")).build()), "has no READ on prefix a");
            // Compare-and-set needs READ and WRITE: a/ is read-only, so it is refused though the compare would fail.
            denied(() -> alice.compareAndSet(CompareAndSetRequest.newBuilder().setKey(b("a/1")).setExpectedVersion(9)
                    .setNewValue(b("v")).build()), "no WRITE on key \"a/1\"");
            alice.compareAndSet(CompareAndSetRequest.newBuilder().setKey(b("w/1")).setExpectedVersion(1).setNewValue(b("v")).build());
            // A transaction is checked on both branches: one write outside the grant in the failure branch.
            TxnRequest.Builder txn = TxnRequest.newBuilder()
                    .addCompares(Compare.newBuilder().setKey(b("w/1")).setTarget(Compare.Target.VERSION).setNumber(2))
                    .addSuccess(TxnOp.newBuilder().setPut(PutOp.newBuilder().setKey(b("w/2")).setValue(b("s"))));
            alice.txn(txn.build());
            denied(() -> alice.txn(txn.addFailure(TxnOp.newBuilder().setPut(PutOp.newBuilder().setKey(b("x/9")).setValue(b("f"))))
                    .build()), "has no WRITE on key \"x/9\"");

            // Admin operations need role root.
            denied(() -> as(c.cluster(leader), aliceToken).addMember(AddMemberRequest.newBuilder().setId(9)
                    .setPeerAddress("127.0.0.1:1").build()), "user \"alice\" has no admin permission (role \"root\")", "AddMember");
            denied(() -> as(auth(c, leader), aliceToken).userList(UserListRequest.getDefaultInstance()), "UserList");
            denied(() -> as(MaintenanceGrpc.newBlockingStub(c.channel(leader)), aliceToken)
                    .snapshot(SnapshotRequest.getDefaultInstance()).hasNext(), "Maintenance/Snapshot");
            assertEquals(java.util.List.of("alice", "root"), as(auth(c, leader), rootToken).userList(UserListRequest.getDefaultInstance())
                    .getUsersList());

            // An expired token and one from before the latest auth change are stale (the client logs in again).
            AuthState st = c.server(leader).store().stateMachine().auth();
            String expired = Tokens.issue(st, "alice", System.currentTimeMillis() - 1);
            refused(Status.Code.UNAUTHENTICATED, ErrorDetail.Code.AUTH_STALE,
                    () -> as(c.kv(leader), expired).get(GetRequest.newBuilder().setKey(b("a/1")).build()), "expired");
            as(auth(c, leader), rootToken).roleAdd(RoleAddRequest.newBuilder().setName("other").build());
            refused(Status.Code.UNAUTHENTICATED, ErrorDetail.Code.AUTH_STALE,
                    () -> alice.get(GetRequest.newBuilder().setKey(b("a/1")).build()), "before the latest change of users and roles");
            String fresh = login(c, leader, "alice", ALICE_PW);
            as(c.kv(leader), fresh).get(GetRequest.newBuilder().setKey(b("a/1")).build());

            // A session serves only the user who opened it (and root).
            as(auth(c, leader), login(c, leader, "root", ROOT_PW)).userAdd(UserAddRequest.newBuilder().setName("bob")
                    .setPassword("bob-secret-55").build());
            String alice3 = login(c, leader, "alice", ALICE_PW);
            String bob = login(c, leader, "bob", "bob-secret-55");
            long sid = as(c.kv(leader), alice3).openSession(OpenSessionRequest.getDefaultInstance()).getSessionId();
            denied(() -> as(c.kv(leader), bob).keepAlive(io.raftkv.proto.KeepAliveRequest.newBuilder().setSessionId(sid).build()),
                    "session " + sid + " belongs to user \"alice\", not to user \"bob\"");
            as(c.kv(leader), alice3).keepAlive(io.raftkv.proto.KeepAliveRequest.newBuilder().setSessionId(sid).build());
        } finally {
            root.detachAppender(logs);
        }
        StringBuilder all = new StringBuilder();
        for (ILoggingEvent e : logs.list) {
            all.append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) {
                all.append(e.getThrowableProxy().getMessage()).append('\n');
            }
        }
        assertTrue(logs.list.size() > 10, "the capture saw the nodes' logs");
        for (String secret : new String[] {ROOT_PW, ALICE_PW, aliceToken, rootToken, aliceToken.substring(3, 20)}) {
            assertFalse(all.toString().contains(secret), "a secret in the logs: " + secret);
        }
    }

    @Test
    void authSurvivesALeaderChangeAFullRestartASnapshotInstallAndABackupRestoredIntoANewCluster() throws Exception {
        java.nio.file.Path backup = dir.resolve("backup.rkv");
        // Snapshots every 20 entries, 5 kept: a follower that missed 60 entries catches up by snapshot.
        java.util.function.UnaryOperator<ServerConfig> small = x -> new ServerConfig(x.nodeId(), x.clusterToken(),
                x.initialCluster(), x.clientListen(), x.peerListen(), x.dataDir(), x.tick(), x.electionTicks(),
                x.heartbeatTicks(), x.limits(), x.requestTimeout(), 20, 5, false, null, null);
        AuthState before;
        try (TestCluster c = new TestCluster(dir.resolve("one"), 3, small)) {
            long leader = c.awaitLeader();
            String rootToken = setUp(c, leader);
            String aliceToken = login(c, leader, "alice", ALICE_PW);
            // A leader change does not log anybody out: any member verifies any member's token.
            as(c.cluster(leader), rootToken).transferLeadership(io.raftkv.proto.TransferLeadershipRequest.getDefaultInstance());
            TestCluster.await(java.time.Duration.ofSeconds(10), "leadership to move", () -> {
                long l = c.status(leader).getLeaderId();
                return l != 0 && l != leader;
            });
            long next = c.awaitLeader();
            as(c.kv(next), aliceToken).put(PutRequest.newBuilder().setKey(b("w/after")).setValue(b("1")).build());

            // A lagging follower catches up by snapshot, with the auth change it missed.
            long lagging = c.follower();
            c.stop(lagging);
            as(auth(c, next), rootToken).roleAdd(RoleAddRequest.newBuilder().setName("missed").build());
            String rootNow = login(c, next, "root", ROOT_PW);
            for (int i = 0; i < 60; i++) {
                as(c.kv(next), rootNow).put(PutRequest.newBuilder().setKey(b("fill" + i)).setValue(b("v")).build());
            }
            c.start(lagging);
            TestCluster.await(java.time.Duration.ofSeconds(15), "the lagging follower to catch up",
                    () -> c.status(lagging).getAppliedIndex() >= c.status(next).getCommitIndex());
            assertTrue(c.server(lagging).store().stateMachine().auth().roles().containsKey("missed"), "by snapshot");
            assertTrue(c.server(lagging).store().log().firstIndex() > 3, "the follower's log starts after a snapshot");

            // A full restart keeps everything.
            for (long id : c.servers.keySet().stream().toList()) {
                c.stop(id);
            }
            for (long id = 1; id <= 3; id++) {
                c.start(id);
            }
            long after = c.awaitLeader();
            before = c.server(after).store().stateMachine().auth();
            assertTrue(before.enabled());
            String again = login(c, after, "alice", ALICE_PW);
            denied(() -> as(c.kv(after), again).put(PutRequest.newBuilder().setKey(b("a/x")).setValue(b("1")).build()),
                    "user \"alice\" has no WRITE");

            // A backup, taken by root, into a new cluster.
            String rootAfter = login(c, after, "root", ROOT_PW);
            try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(backup)) {
                as(MaintenanceGrpc.newBlockingStub(c.channel(after)), rootAfter).snapshot(SnapshotRequest.newBuilder()
                        .setLinearizable(true).build()).forEachRemaining(r -> {
                            try {
                                r.getData().writeTo(out);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        });
            }
        }
        Supplier<io.raftkv.raft.ConfState> members = () -> io.raftkv.raft.ConfState.of(java.util.List.of(1L, 2L, 3L));
        try (TestCluster c = new TestCluster(dir.resolve("two"), 3, x -> x, tc -> {
            for (long id = 1; id <= 3; id++) {
                ServerConfig cfg = tc.config(id);
                io.raftkv.storage.BackupRestore.restore(backup, cfg.dataDir(), id, i -> Long.toHexString(cfg.clusterId()),
                        members.get(), (d, i) -> { });
            }
        })) {
            long leader = c.awaitLeader();
            AuthState restored = c.server(leader).store().stateMachine().auth();
            assertEquals(before.users(), restored.users(), "a restored cluster keeps its users");
            assertEquals(before.roles(), restored.roles());
            String alice = login(c, leader, "alice", ALICE_PW);
            as(c.kv(leader), alice).put(PutRequest.newBuilder().setKey(b("w/restored")).setValue(b("1")).build());
            refused(Status.Code.UNAUTHENTICATED, ErrorDetail.Code.UNAUTHENTICATED,
                    () -> c.kv(leader).get(GetRequest.newBuilder().setKey(b("w/restored")).build()), "auth is enabled");
        }
    }

    @Test
    void aVerifiedClientCertificatesCommonNameIsTheUserWhenNoTokenIsSent() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "cluster");
        try (TestCluster c = new TestCluster(dir.resolve("tls"), 1, x -> x.withSecurity(pki.security(x.nodeId(), true)))) {
            c.clientCredentials = pki.channelCredentials(pki.client("app"));
            long leader = c.awaitLeader();
            AuthGrpc.AuthBlockingStub a = auth(c, leader);
            a.userAdd(UserAddRequest.newBuilder().setName("root").setPassword(ROOT_PW).build());
            a.userGrantRole(UserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
            a.userAdd(UserAddRequest.newBuilder().setName("app").setNoPassword(true).build());
            a.roleAdd(RoleAddRequest.newBuilder().setName("reader").build());
            a.roleGrantPermission(RoleGrantPermissionRequest.newBuilder().setRole("reader")
                    .setPermission(prefix(Permission.Type.READ, "a/")).build());
            a.userGrantRole(UserGrantRoleRequest.newBuilder().setUser("app").setRole("reader").build());
            a.authEnable(AuthEnableRequest.getDefaultInstance());

            var kv = c.kv(leader);
            assertFalse(kv.get(GetRequest.newBuilder().setKey(b("a/1")).build()).getFound(), "CN=app reads a/ without a token");
            denied(() -> kv.put(PutRequest.newBuilder().setKey(b("a/1")).setValue(b("x")).build()),
                    "user \"app\" has no WRITE on key \"a/1\"");
            // A token wins over the certificate.
            String root = login(c, leader, "root", ROOT_PW);
            as(c.kv(leader), root).put(PutRequest.newBuilder().setKey(b("a/1")).setValue(b("x")).build());
            // A password login for a certificate-only user fails.
            refused(Status.Code.UNAUTHENTICATED, ErrorDetail.Code.UNAUTHENTICATED, () -> login(c, leader, "app", ""),
                    "wrong user name or password");
        }
        // A certificate from the right CA whose common name is no user is refused.
        try (TestCluster c = new TestCluster(dir.resolve("tls"), 1, x -> x.withSecurity(pki.security(x.nodeId(), true)))) {
            c.clientCredentials = pki.channelCredentials(pki.client("stranger"));
            long leader = c.awaitLeader();
            refused(Status.Code.UNAUTHENTICATED, ErrorDetail.Code.UNAUTHENTICATED,
                    () -> c.kv(leader).get(GetRequest.newBuilder().setKey(b("a/1")).build()),
                    "common name \"stranger\" is not a user");
        }
    }
}
