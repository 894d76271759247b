package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.raftkv.proto.AuthGrpc;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credentials end to end: lazy login, transparent renewal, leader changes, typed refusals, the admin API. */
class AuthClientTest {
    @TempDir
    Path dir;

    /** Counts the client's Authenticate calls. */
    static ClientInterceptor counting(AtomicInteger logins) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> m, CallOptions o, Channel next) {
                if (m.getFullMethodName().equals(AuthGrpc.getAuthenticateMethod().getFullMethodName())) {
                    logins.incrementAndGet();
                }
                return next.newCall(m, o);
            }
        };
    }

    @Test
    void aClientLogsInOnceRenewsItsTokenTransparentlyAndKeepsWorkingThroughALeaderChange() {
        AtomicInteger logins = new AtomicInteger();
        try (RealCluster cluster = new RealCluster(dir, 3);
             RaftKvClient admin = RaftKvClient.builder().endpoints(cluster.endpoints()).build()) {
            cluster.awaitLeader();
            AuthAdmin a = admin.auth();
            InvalidArgumentException noRoot = assertThrows(InvalidArgumentException.class, a::enable);
            assertTrue(noRoot.getMessage().contains("user \"root\" must exist"), noRoot.getMessage());
            a.userAdd("root", "pw-root");
            a.userGrantRole("root", "root");
            a.roleAdd("app");
            a.roleGrant("app", AuthAdmin.Grant.prefix(AuthAdmin.Access.READWRITE, ByteString.copyFromUtf8("app/")));
            a.roleGrant("app", AuthAdmin.Grant.range(AuthAdmin.Access.READ, ByteString.copyFromUtf8("shared/"),
                    ByteString.copyFromUtf8("shared0")));
            a.userAdd("alice", "pw-alice");
            a.userGrantRole("alice", "app");
            RaftKvClient early = RaftKvClient.builder().endpoints(cluster.endpoints()).credentials("alice", "pw-alice").build();
            early.put("app/0", "before auth was enabled: no token to send");
            long rev = a.enable();
            early.put("app/00", "logged in again by itself once auth is on");
            early.close();
            assertTrue(a.status().enabled());
            assertEquals(rev, a.status().authRevision());

            // Without credentials now: refused, typed, not applied.
            AuthenticationException anon = assertThrows(AuthenticationException.class, () -> admin.put("app/1", "x"));
            assertEquals(RaftKvException.Outcome.NOT_APPLIED, anon.outcome());
            assertTrue(anon.getMessage().contains("credentials(user, password)"), anon.getMessage());

            try (RaftKvClient root = RaftKvClient.builder().endpoints(cluster.endpoints()).credentials("root", "pw-root").build();
                 RaftKvClient alice = RaftKvClient.builder().endpoints(cluster.endpoints()).credentials("alice", "pw-alice")
                         .interceptors(counting(logins)).build();
                 RaftKvClient wrong = RaftKvClient.builder().endpoints(cluster.endpoints()).credentials("alice", "nope").build()) {
                assertEquals(0, logins.get(), "lazy: no login before the first call");
                alice.put("app/1", "one");
                alice.put("app/2", "two");
                assertEquals("one", alice.get("app/1").valueUtf8().orElseThrow());
                assertEquals(1, logins.get(), "one login for many calls");

                PermissionDeniedException denied = assertThrows(PermissionDeniedException.class, () -> alice.put("shared/x", "y"));
                assertTrue(denied.getMessage().contains("user \"alice\" has no WRITE on key \"shared/x\""), denied.getMessage());
                assertEquals(RaftKvException.Outcome.NOT_APPLIED, denied.outcome());
                assertThrows(PermissionDeniedException.class, () -> alice.scan(Scan.prefix("app")).toList(),
                        "a scan leaving the granted prefix is refused, not truncated");
                assertThrows(PermissionDeniedException.class, () -> alice.auth().userList());
                AuthenticationException bad = assertThrows(AuthenticationException.class, () -> wrong.get("app/1"));
                assertTrue(bad.getMessage().contains("wrong user name or password"), bad.getMessage());

                // Users and roles change: alice's token is outdated; her next calls renew it once, transparently.
                root.auth().roleAdd("unrelated");
                alice.put("app/3", "three");
                try (Session s = alice.session()) {
                    s.put("app/4", "four");
                }
                assertEquals(2, logins.get(), "exactly one more login after the change");

                // A leader change logs nobody out: any member verifies the token.
                long before = cluster.awaitLeader();
                root.transferLeadership(0);
                RealCluster.await(java.time.Duration.ofSeconds(10), "a new leader", () -> cluster.awaitLeader() != before);
                alice.put("app/5", "five");
                assertEquals(2, logins.get(), "no login for the leader change");

                assertEquals(List.of("alice", "root"), root.auth().userList());
                assertEquals(List.of("app"), root.auth().userGet("alice").roles());
                assertEquals(2, root.auth().roleGet("app").grants().size());
                assertFalse(new Credentials("alice", "pw-alice").toString().contains("pw-alice"));
            }
        }
    }
}
