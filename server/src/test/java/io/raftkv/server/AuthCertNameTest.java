package io.raftkv.server;

import io.grpc.Status;
import io.raftkv.proto.AuthEnableRequest;
import io.raftkv.proto.AuthGrpc;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.UserAddRequest;
import io.raftkv.proto.UserGrantRoleRequest;
import io.raftkv.proto.UserListRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With --client-cert-auth, a certificate whose subject names more than one common name does not stand for any
 * user: which one it means depends on the order a library reads the names in (Java's first RDN here, Go's
 * crypto/x509 the last), so a CA that lets a requester add a CN of its own would let it pick "root".
 */
class AuthCertNameTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void aCertificateWithTwoCommonNamesIsNoUser() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "cluster");
        try (TestCluster c = new TestCluster(dir.resolve("tls"), 1, x -> x.withSecurity(pki.security(x.nodeId(), true)))) {
            c.clientCredentials = pki.channelCredentials(pki.issueAs("two-names", "CN=root,CN=app"));
            long leader = c.awaitLeader();
            AuthGrpc.AuthBlockingStub a = AuthTest.auth(c, leader);
            a.userAdd(UserAddRequest.newBuilder().setName("root").setPassword(AuthTest.ROOT_PW).build());
            a.userGrantRole(UserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
            a.userAdd(UserAddRequest.newBuilder().setName("app").setNoPassword(true).build());
            a.authEnable(AuthEnableRequest.getDefaultInstance());
            AuthTest.refused(Status.Code.UNAUTHENTICATED, ErrorDetail.Code.UNAUTHENTICATED,
                    () -> AuthTest.auth(c, leader).userList(UserListRequest.getDefaultInstance()),
                    "2 common names");
        }
    }
}
