package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.AuthEnableRequest;
import io.raftkv.proto.AuthGrpc;
import io.raftkv.proto.BatchOp;
import io.raftkv.proto.BatchRequest;
import io.raftkv.proto.BatchResponse;
import io.raftkv.proto.BatchResult;
import io.raftkv.proto.DeleteRequest;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.Permission;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.RoleAddRequest;
import io.raftkv.proto.RoleGrantPermissionRequest;
import io.raftkv.proto.UserAddRequest;
import io.raftkv.proto.UserGrantRoleRequest;
import io.raftkv.storage.StorageFaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KV.Batch stream serves each op exactly as its unary method: the same validation and errors, the auth
 * gate's checks per op (a stream must not be a way around them), a bound on unanswered ops, and a shutdown
 * that ends the stream instead of waiting for it.
 */
class BatchStreamTest {
    @TempDir
    Path dir;

    /** One client stream: results by id as they arrive, and how the stream ended. */
    static final class Stream implements StreamObserver<BatchResponse> {
        final Map<Long, BatchResult> results = new ConcurrentHashMap<>();
        final CompletableFuture<Status> ended = new CompletableFuture<>();
        final StreamObserver<BatchRequest> requests;

        Stream(ManagedChannel ch) {
            requests = KVGrpc.newStub(ch).batch(this);
        }

        @Override
        public void onNext(BatchResponse r) {
            r.getResultsList().forEach(x -> results.put(x.getId(), x));
        }

        @Override
        public void onError(Throwable t) {
            ended.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            ended.complete(Status.OK);
        }

        Stream send(BatchOp... ops) {
            requests.onNext(BatchRequest.newBuilder().addAllOps(java.util.List.of(ops)).build());
            return this;
        }

        BatchResult await(long id) {
            TestCluster.await(Duration.ofSeconds(20), "the answer to op " + id, () -> results.containsKey(id));
            return results.get(id);
        }
    }

    static BatchOp put(long id, String key, String value, String token) {
        return BatchOp.newBuilder().setId(id).setToken(token).setTimeoutMicros(TimeUnit.SECONDS.toMicros(10))
                .setPut(PutRequest.newBuilder().setKey(AuthTest.b(key)).setValue(AuthTest.b(value))).build();
    }

    static BatchOp get(long id, String key, String token) {
        return BatchOp.newBuilder().setId(id).setToken(token).setGet(GetRequest.newBuilder().setKey(AuthTest.b(key))).build();
    }

    static void assertError(BatchResult r, Status.Code status, ErrorDetail.Code code, String fragment) {
        assertEquals(BatchResult.ResponseCase.ERROR, r.getResponseCase(), r.toString());
        assertEquals(status.value(), r.getError().getCode(), r.toString());
        assertEquals(code, r.getError().getDetail().getCode(), r.toString());
        assertTrue(r.getError().getMessage().contains(fragment), r.toString());
    }

    @Test
    void opsAreServedAsTheirUnaryMethodsAndAnsweredById() {
        try (TestCluster c = new TestCluster(dir, 1, x -> x)) {
            long leader = c.awaitLeader();
            Stream s = new Stream(c.channel(leader)).send(
                    put(7, "k", "v1", ""),
                    put(9, "", "v", ""),
                    BatchOp.newBuilder().setId(11).setDelete(DeleteRequest.newBuilder().setKey(AuthTest.b("absent"))).build(),
                    BatchOp.newBuilder().setId(12).build());
            assertEquals(1, s.await(7).getPut().getVersion());
            assertError(s.await(9), Status.Code.INVALID_ARGUMENT, ErrorDetail.Code.INVALID, "key");
            assertFalse(s.await(11).getDelete().getDeleted());
            assertError(s.await(12), Status.Code.INVALID_ARGUMENT, ErrorDetail.Code.INVALID, "carries no request");
            // A second message on the same stream: the put above is visible to a linearizable get.
            assertEquals("v1", s.send(get(13, "k", "")).await(13).getGet().getKv().getValue().toStringUtf8());
            s.requests.onCompleted();
            assertEquals(Status.Code.OK, s.ended.join().getCode(), "the stream ends once the client half-closed");
        }
    }

    @Test
    void eachOpIsCheckedByTheAuthGateWithItsOwnToken() {
        try (TestCluster c = new TestCluster(dir, 1, x -> x)) {
            long leader = c.awaitLeader();
            AuthTest.setUp(c, leader);
            String alice = AuthTest.login(c, leader, "alice", AuthTest.ALICE_PW);
            Stream s = new Stream(c.channel(leader)).send(
                    put(1, "w/x", "v", ""),
                    put(2, "w/x", "v", "not-a-token"),
                    put(3, "a/x", "v", alice),
                    put(4, "w/x", "v", alice),
                    get(5, "a/x", alice),
                    get(6, "b/x", alice));
            assertError(s.await(1), Status.Code.UNAUTHENTICATED, ErrorDetail.Code.UNAUTHENTICATED, "auth is enabled");
            assertError(s.await(2), Status.Code.UNAUTHENTICATED, ErrorDetail.Code.UNAUTHENTICATED, "invalid token");
            assertError(s.await(3), Status.Code.PERMISSION_DENIED, ErrorDetail.Code.PERMISSION_DENIED, "alice");
            assertEquals(1, s.await(4).getPut().getVersion(), s.await(4).toString());
            assertFalse(s.await(5).getGet().getFound(), s.await(5).toString());
            assertError(s.await(6), Status.Code.PERMISSION_DENIED, ErrorDetail.Code.PERMISSION_DENIED, "alice");
        }
    }

    @Test
    void aStreamWithTooManyUnansweredOpsShedsAndShutdownEndsIt() {
        StorageFaults disk = new StorageFaults();
        TestCluster c = new TestCluster(dir, 1, x -> x, tc -> tc.faults.put(1L, disk));
        try {
            long leader = c.awaitLeader();
            Stream s = new Stream(c.channel(leader));
            // Nothing commits while the disk stalls: every put stays unanswered.
            disk.delaySyncs(Duration.ofSeconds(3));
            BatchOp[] ops = new BatchOp[BatchStream.MAX_IN_FLIGHT + 1];
            for (int i = 0; i < ops.length; i++) {
                ops[i] = put(i + 1, "k" + i, "v", "");
            }
            s.send(ops);
            assertError(s.await(ops.length), Status.Code.RESOURCE_EXHAUSTED, ErrorDetail.Code.OVERLOADED,
                    BatchStream.MAX_IN_FLIGHT + " unanswered ops");
            assertTrue(s.results.size() < ops.length, "the others were still unanswered when the last was shed");
            disk.delaySyncs(Duration.ZERO);

            // The client never half-closes: a graceful shutdown ends the stream itself once its ops are answered
            // (OK), instead of waiting it out and cutting it (CANCELLED or UNAVAILABLE after 5 s).
            c.stop(leader);
            assertEquals(Status.Code.OK, s.ended.join().getCode());
            assertEquals(ops.length, s.results.size(), "every op was answered before the stream ended");
        } finally {
            c.close();
        }
    }

    @Test
    void anOpWithoutATokenIsTheClientCertificatesUser() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "cluster");
        try (TestCluster c = new TestCluster(dir.resolve("tls"), 1, x -> x.withSecurity(pki.security(x.nodeId(), true)))) {
            c.clientCredentials = pki.channelCredentials(pki.issueAs("app", "CN=app"));
            long leader = c.awaitLeader();
            AuthGrpc.AuthBlockingStub a = AuthTest.auth(c, leader);
            a.userAdd(UserAddRequest.newBuilder().setName("root").setPassword(AuthTest.ROOT_PW).build());
            a.userGrantRole(UserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
            a.roleAdd(RoleAddRequest.newBuilder().setName("writer").build());
            a.roleGrantPermission(RoleGrantPermissionRequest.newBuilder().setRole("writer")
                    .setPermission(AuthTest.prefix(Permission.Type.READWRITE, "w/")).build());
            a.userAdd(UserAddRequest.newBuilder().setName("app").setNoPassword(true).build());
            a.userGrantRole(UserGrantRoleRequest.newBuilder().setUser("app").setRole("writer").build());
            a.authEnable(AuthEnableRequest.getDefaultInstance());
            Stream s = new Stream(c.channel(leader)).send(put(1, "w/x", "v", ""), put(2, "a/x", "v", ""));
            assertEquals(1, s.await(1).getPut().getVersion(), s.await(1).toString());
            assertError(s.await(2), Status.Code.PERMISSION_DENIED, ErrorDetail.Code.PERMISSION_DENIED, "app");
        }
    }
}
