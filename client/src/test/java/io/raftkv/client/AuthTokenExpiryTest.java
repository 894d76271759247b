package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens that expire while a client works are renewed transparently, once per expiry, never in a storm. */
class AuthTokenExpiryTest {
    @TempDir
    Path dir;

    @Test
    void anExpiredTokenIsRenewedWithoutAFailedCallOrARetryStorm() {
        Duration ttl = Duration.ofMillis(400);
        AtomicInteger logins = new AtomicInteger();
        try (RealCluster cluster = new RealCluster(dir, 1, id -> ServerConfig.Security.PLAINTEXT.withAuthTokenTtl(ttl),
                io.grpc.InsecureChannelCredentials.create());
             RaftKvClient admin = RaftKvClient.builder().endpoints(cluster.endpoints()).build()) {
            cluster.awaitLeader();
            admin.auth().userAdd("root", "pw-root");
            admin.auth().userGrantRole("root", "root");
            admin.auth().userAdd("alice", "pw-alice");
            admin.auth().roleAdd("app");
            admin.auth().roleGrant("app", AuthAdmin.Grant.prefix(AuthAdmin.Access.READWRITE,
                    com.google.protobuf.ByteString.copyFromUtf8("app/")));
            admin.auth().userGrantRole("alice", "app");
            admin.auth().enable();
            try (RaftKvClient alice = RaftKvClient.builder().endpoints(cluster.endpoints()).credentials("alice", "pw-alice")
                    .interceptors(AuthClientTest.counting(logins)).build()) {
                long t0 = System.nanoTime();
                int[] puts = {0};
                RealCluster.await(Duration.ofSeconds(20), "the token to expire and be renewed twice", () -> {
                    alice.put("app/k", "v" + puts[0]++);
                    return logins.get() >= 3;
                });
                long expiries = (System.nanoTime() - t0) / ttl.toNanos();
                assertTrue(logins.get() <= expiries + 2, logins.get() + " logins in " + expiries + " token lifetimes and "
                        + puts[0] + " puts: one per expiry, not one per call");
                assertTrue(puts[0] > logins.get(), "calls between renewals reuse the token: " + puts[0] + " puts");
            }
        }
    }
}
