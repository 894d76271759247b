package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.raftkv.proto.AuthEnableRequest;
import io.raftkv.proto.AuthGrpc;
import io.raftkv.proto.MaintenanceGrpc;
import io.raftkv.proto.SnapshotRequest;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.UserAddRequest;
import io.raftkv.proto.UserGrantRoleRequest;
import io.raftkv.proto.UserListRequest;
import io.raftkv.proto.UserRevokeRoleRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A permission revoked while a call is held open is not used for it: the gate checks a call when its headers
 * and message arrive, and a client may wait as long as it likes before half-closing (the moment the service
 * runs it). Reads never meet apply's revision check, so without a second look they were served with the
 * revoked permission (a KV get, and an admin read by a user whose role root was revoked), and a backup started
 * before {@code auth enable} and held open was served after it, with the new token signing key in it.
 */
class AuthHeldCallTest {
    @TempDir
    java.nio.file.Path dir;

    /** The outcome of a unary call: the response, or the status it failed with. */
    record Outcome<R>(R response, Status status, Metadata trailers) {
    }

    /**
     * Starts {@code method} on {@code ch} (with {@code token}, or none if null), sends {@code request}, waits until the server's gate has checked
     * it, then lets {@code meanwhile} run before half-closing.
     */
    static <Q, R> Outcome<R> held(ManagedChannel ch, CountDownLatch[] checked, MethodDescriptor<Q, R> method, String token,
                                  Q request, Runnable meanwhile) throws Exception {
        checked[0] = new CountDownLatch(1);
        CompletableFuture<Outcome<R>> done = new CompletableFuture<>();
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
        ClientCall<Q, R> call = ch.newCall(method, token == null ? options : options.withCallCredentials(AuthTest.bearer(token)));
        Object[] got = new Object[1];
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(R message) {
                got[0] = message;
            }

            @Override
            @SuppressWarnings("unchecked")
            public void onClose(Status status, Metadata trailers) {
                done.complete(new Outcome<>((R) got[0], status, trailers));
            }
        }, new Metadata());
        call.request(Integer.MAX_VALUE);
        call.sendMessage(request);
        assertTrue(checked[0].await(10, TimeUnit.SECONDS), "the gate saw the request");
        assertTrue(!done.isDone(), "the call is still open: " + (done.isDone() ? done.get() : ""));
        meanwhile.run();
        call.halfClose();
        return done.get(30, TimeUnit.SECONDS);
    }

    static void assertStale(Outcome<?> o) {
        assertEquals(Status.Code.UNAUTHENTICATED, o.status().getCode(), o.toString());
        assertEquals(ErrorDetail.Code.AUTH_STALE, o.trailers().get(GrpcErrors.DETAIL_KEY).getCode(), o.toString());
        assertTrue(o.status().getDescription().contains("users or roles changed"), o.toString());
    }

    /**
     * The node's KV, Auth and Maintenance services behind a gate of their own on an in-process server, and outside
     * the gate an interceptor that counts {@code checked[0]} down once the gate has seen a request message.
     */
    static Server serve(RaftKvServer s, String name, CountDownLatch[] checked) throws java.io.IOException {
        AuthGate gate = new AuthGate(s.store().stateMachine(), false, s.config().limits());
        ServerInterceptor seen = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
                    @Override
                    public void onMessage(Q message) {
                        super.onMessage(message);
                        checked[0].countDown();
                    }
                };
            }
        };
        return InProcessServerBuilder.forName(name)
                .addService(new KvService(s.node(), s.config().limits(), gate, new ServerMetrics()))
                .addService(new AuthService(s.node(), gate, new Authenticator(99), Duration.ofMinutes(5)))
                .addService(new MaintenanceService(s.node(), s.config()).definition())
                .intercept(gate).intercept(seen).build().start();
    }

    @Test
    void aBackupStartedBeforeAuthEnableAndHeldOpenIsNotServedAfterIt() throws Exception {
        try (TestCluster c = new TestCluster(dir, 1, x -> x)) {
            long leader = c.awaitLeader();
            AuthGrpc.AuthBlockingStub a = AuthTest.auth(c, leader);
            a.userAdd(UserAddRequest.newBuilder().setName("root").setPassword(AuthTest.ROOT_PW).build());
            a.userGrantRole(UserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
            CountDownLatch[] checked = new CountDownLatch[1];
            String name = InProcessServerBuilder.generateName();
            Server server = serve(c.server(leader), name, checked);
            ManagedChannel ch = InProcessChannelBuilder.forName(name).build();
            try {
                // Anyone may start a backup while auth is off; once auth is on, the image holds the token signing
                // key (whoever has it can sign a token for root), so it must not be served to that caller.
                assertStale(held(ch, checked, MaintenanceGrpc.getSnapshotMethod(), null, SnapshotRequest.getDefaultInstance(),
                        () -> AuthTest.auth(c, leader).authEnable(AuthEnableRequest.getDefaultInstance())));
            } finally {
                ch.shutdownNow();
                server.shutdownNow();
            }
        }
    }

    @Test
    void aReadHeldOpenAcrossARevokeIsRefusedNotServed() throws Exception {
        try (TestCluster c = new TestCluster(dir, 1, x -> x)) {
            long leader = c.awaitLeader();
            String root = AuthTest.setUp(c, leader);
            AuthTest.as(c.kv(leader), root).put(PutRequest.newBuilder().setKey(AuthTest.b("a/secret")).setValue(AuthTest.b("s3"))
                    .build());
            // Every change makes older tokens stale: root logs in again before each.
            AuthTest.as(AuthTest.auth(c, leader), root).userAdd(UserAddRequest.newBuilder().setName("ops")
                    .setPassword("ops-secret-42").build());
            AuthTest.as(AuthTest.auth(c, leader), AuthTest.login(c, leader, "root", AuthTest.ROOT_PW))
                    .userGrantRole(UserGrantRoleRequest.newBuilder().setUser("ops").setRole("root").build());
            String alice = AuthTest.login(c, leader, "alice", AuthTest.ALICE_PW);
            String root2 = AuthTest.login(c, leader, "root", AuthTest.ROOT_PW);

            CountDownLatch[] checked = new CountDownLatch[1];
            String name = InProcessServerBuilder.generateName();
            Server server = serve(c.server(leader), name, checked);
            ManagedChannel ch = InProcessChannelBuilder.forName(name).build();
            try {
                // Sanity: served when nothing changes in between.
                Outcome<io.raftkv.proto.GetResponse> ok = held(ch, checked, KVGrpc.getGetMethod(), alice,
                        GetRequest.newBuilder().setKey(AuthTest.b("a/secret")).build(), () -> { });
                assertEquals(Status.Code.OK, ok.status().getCode(), ok.toString());
                assertEquals("s3", ok.response().getKv().getValue().toStringUtf8());

                // alice loses READ on a/ while her get is held open: not served.
                assertStale(held(ch, checked, KVGrpc.getGetMethod(), alice, GetRequest.newBuilder().setKey(AuthTest.b("a/secret"))
                        .build(), () -> AuthTest.as(AuthTest.auth(c, leader), root2).userRevokeRole(UserRevokeRoleRequest.newBuilder()
                        .setUser("alice").setRole("reader").build())));

                // ops loses role root while its user list is held open: not served.
                String root3 = AuthTest.login(c, leader, "root", AuthTest.ROOT_PW);
                String ops2 = AuthTest.login(c, leader, "ops", "ops-secret-42");
                assertStale(held(ch, checked, AuthGrpc.getUserListMethod(), ops2, UserListRequest.getDefaultInstance(),
                        () -> AuthTest.as(AuthTest.auth(c, leader), root3).userRevokeRole(UserRevokeRoleRequest.newBuilder()
                                .setUser("ops").setRole("root").build())));
            } finally {
                ch.shutdownNow();
                server.shutdownNow();
            }
        }
    }
}
