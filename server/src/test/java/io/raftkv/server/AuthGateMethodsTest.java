package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.raftkv.proto.AuthGrpc;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.MaintenanceGrpc;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.StatusResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every method of every service on the client port is classified by the auth gate, and a method the gate has
 * no rule for is refused while auth is on: a method added to a service (say a KV Watch) must not pass with
 * any token just because it is in the KV service.
 */
class AuthGateMethodsTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void everyClientPortMethodIsClassified() {
        Map<String, AuthGate.Access> got = new TreeMap<>();
        for (ServiceDescriptor s : List.of(KVGrpc.getServiceDescriptor(), ClusterGrpc.getServiceDescriptor(),
                MaintenanceGrpc.getServiceDescriptor(), AuthGrpc.getServiceDescriptor(), HealthGrpc.getServiceDescriptor())) {
            for (MethodDescriptor<?, ?> m : s.getMethods()) {
                AuthGate.Access a = AuthGate.classify(m);
                assertNotNull(a, m.getFullMethodName() + " has no rule in AuthGate: classify it (OPEN, KEYS, SESSION, ADMIN or BATCH)");
                got.put(m.getFullMethodName(), a);
            }
        }
        for (Map.Entry<String, AuthGate.Access> e : got.entrySet()) {
            String m = e.getKey();
            AuthGate.Access expected;
            if (m.startsWith("grpc.health.v1.Health/") || m.equals("raftkv.v1.Cluster/Status") || m.equals("raftkv.v1.Cluster/Members")
                    || m.equals("raftkv.v1.Auth/Authenticate") || m.equals("raftkv.v1.Auth/AuthStatus")) {
                expected = AuthGate.Access.OPEN;
            } else if (m.equals("raftkv.v1.KV/Batch")) {
                expected = AuthGate.Access.BATCH; // each op checked as its unary method (BatchStreamTest)
            } else if (m.matches("raftkv\\.v1\\.KV/(OpenSession|KeepAlive|CloseSession)")) {
                expected = AuthGate.Access.SESSION;
            } else if (m.startsWith("raftkv.v1.KV/")) {
                expected = AuthGate.Access.KEYS;
            } else {
                expected = AuthGate.Access.ADMIN;
            }
            assertEquals(expected, e.getValue(), m);
        }
    }

    @Test
    void aKvMethodWithoutARuleIsRefusedToAnAuthenticatedUser() throws Exception {
        // A stand-in for a method added to KV later, registered under the KV service's name.
        MethodDescriptor<StatusRequest, StatusResponse> watch = MethodDescriptor.<StatusRequest, StatusResponse>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(KVGrpc.SERVICE_NAME, "Watch"))
                .setRequestMarshaller(ProtoUtils.marshaller(StatusRequest.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(StatusResponse.getDefaultInstance())).build();
        AtomicInteger served = new AtomicInteger();
        ServerServiceDefinition fake = ServerServiceDefinition.builder(KVGrpc.SERVICE_NAME)
                .addMethod(watch, ServerCalls.asyncUnaryCall((req, out) -> {
                    served.incrementAndGet();
                    out.onNext(StatusResponse.getDefaultInstance());
                    out.onCompleted();
                })).build();
        try (TestCluster c = new TestCluster(dir, 1, x -> x)) {
            long leader = c.awaitLeader();
            AuthTest.setUp(c, leader);
            String alice = AuthTest.login(c, leader, "alice", AuthTest.ALICE_PW);
            RaftKvServer s = c.server(leader);
            AuthGate gate = new AuthGate(s.store().stateMachine(), false, s.config().limits());
            String name = InProcessServerBuilder.generateName();
            Server server = InProcessServerBuilder.forName(name).addService(fake).intercept(gate).build().start();
            ManagedChannel ch = InProcessChannelBuilder.forName(name).build();
            try {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(ch, watch,
                        io.grpc.CallOptions.DEFAULT.withCallCredentials(AuthTest.bearer(alice)), StatusRequest.getDefaultInstance()));
                assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.toString());
                assertEquals(ErrorDetail.Code.PERMISSION_DENIED, TestCluster.detail(e).getCode());
                assertTrue(e.getStatus().getDescription().contains("raftkv.v1.KV/Watch"), e.toString());
                assertEquals(0, served.get(), "the unclassified method ran");
            } finally {
                ch.shutdownNow();
                server.shutdownNow();
            }
        }
    }
}
