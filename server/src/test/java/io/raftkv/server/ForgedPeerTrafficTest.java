package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Status;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.StatusResponse;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.Command;
import io.raftkv.storage.CommandCodec;
import io.raftkv.storage.Request;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's attack: someone with the published stubs sends a forged TimeoutNow or AppendEntries "from the
 * leader" to a follower's peer port. On the code before TLS, TimeoutNow made the follower take over (term 2 to
 * 3 within a second). With peer mutual TLS, a stranger in plaintext, with a certificate from another CA, or
 * with a valid certificate of another member changes nothing: leader, terms and data stay as they were, and
 * the member whose certificate was misused is not disturbed either.
 */
class ForgedPeerTrafficTest {
    private static final ByteString KEY = ByteString.copyFromUtf8("k");
    private static final ByteString VALUE = ByteString.copyFromUtf8("written by the cluster");

    @TempDir
    Path dir;

    @Test
    void aStrangerInPlaintextChangesNothing() {
        attack(a -> InsecureChannelCredentials.create(), Status.Code.UNAVAILABLE);
    }

    @Test
    void aStrangerWithACertificateFromAnotherCaChangesNothing() {
        // It even holds a "member" certificate of the leader's id, only not from the cluster's CA.
        attack(this::otherCaCredentials, Status.Code.UNAVAILABLE);
    }

    @Test
    void aMemberCertificateCannotSpeakForAnotherMember() {
        attack(Armory::credentials, Status.Code.UNAUTHENTICATED);
    }

    /** What an attacker holds, given the cluster's CA (whose certificate is no secret). */
    private interface Arms {
        ChannelCredentials pick(Armory a);
    }

    /** The cluster's CA, and credentials with the certificate of the member that is neither leader nor target. */
    private record Armory(TestPki pki, ChannelCredentials credentials, Path dir) {
    }

    private ChannelCredentials otherCaCredentials(Armory a) {
        TestPki other = TestPki.create(a.dir().resolve("other-ca"), "other");
        TestPki.Issued fake = other.member(1);
        try {
            return io.grpc.TlsChannelCredentials.newBuilder().trustManager(a.pki().caFile().toFile())
                    .keyManager(TestPki.alwaysPresenting(fake)).build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void attack(Arms arms, Status.Code expected) {
        TestPki pki = TestPki.create(dir.resolve("pki"), "cluster");
        try (TestCluster c = new TestCluster(dir, 3, x -> x.withSecurity(pki.security(x.nodeId(), false)))) {
            c.clientCredentials = pki.channelCredentials(null);
            long leader = c.awaitLeader();
            c.kv(leader).put(PutRequest.newBuilder().setKey(KEY).setValue(VALUE).build());
            long target = c.follower();
            long bystander = 6 - leader - target;
            // Every member holds the value before the attack: a follower learns the commit with the next heartbeat.
            c.servers.keySet().forEach(id -> awaitApplied(c, id));
            StatusResponse before = c.status(target);
            long clusterId = c.config(target).clusterId();
            ChannelCredentials creds = arms.pick(new Armory(pki, pki.channelCredentials(pki.member(bystander)), dir));
            try (Stranger s = new Stranger(c.peerAddrs.get(target), creds)) {
                assertEquals(expected, s.timeoutNow(clusterId, leader, target, before.getTerm()).getCode(), "TimeoutNow");
                byte[] forged = CommandCodec.encode(Request.of(new Command.Put(Bytes.of("k"), Bytes.of("forged"))));
                assertEquals(expected, s.appendEntries(clusterId, leader, target, before.getTerm(), before.getLastIndex(),
                        before.getTerm(), ByteString.copyFrom(forged)).getCode(), "AppendEntries");
                assertEquals(expected, s.hello(clusterId, leader, target).getCode(), "Hello");
                assertEquals(expected, s.stateHash(clusterId, leader, target).getCode(), "StateHash");
                assertEquals(expected, s.offerSnapshot(clusterId, leader, target, before.getTerm() + 1,
                        before.getLastIndex() + 100).getCode(), "InstallSnapshot");
                if (expected == Status.Code.UNAUTHENTICATED) {
                    assertEquals(Status.Code.OK, s.hello(clusterId, bystander, target).getCode(),
                            "the same certificate may speak for its own member");
                }
            }
            assertNothingChanged(c, leader, before.getTerm());
            assertFalse(c.status(bystander).getRemoved(), "the member whose certificate was misused still takes part");
        }
    }

    /** For three election timeouts and more: the same leader and term everywhere, and the value the cluster wrote. */
    private static void assertNothingChanged(TestCluster c, long leader, long term) {
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        Map<Long, String> seen = new TreeMap<>();
        do {
            for (long id : c.servers.keySet()) {
                StatusResponse s = c.status(id);
                seen.put(id, "term " + s.getTerm() + ", leader " + s.getLeaderId());
                assertEquals(term, s.getTerm(), "term of node " + id);
                assertEquals(leader, s.getLeaderId(), "leader seen by node " + id);
                assertEquals(VALUE, c.kv(id).get(GetRequest.newBuilder().setKey(KEY)
                        .setConsistency(Consistency.SERIALIZABLE).build()).getKv().getValue(), "value on node " + id);
            }
        } while (System.nanoTime() - until < 0);
        assertTrue(seen.size() == 3, seen.toString());
    }

    private static void awaitApplied(TestCluster c, long id) {
        TestCluster.await(Duration.ofSeconds(10), "node " + id + " to apply the write", () -> c.kv(id).get(GetRequest
                .newBuilder().setKey(KEY).setConsistency(Consistency.SERIALIZABLE).build()).getKv().getValue().equals(VALUE));
    }

    @Test
    void aNodeWithAnotherMembersCertificateIsShutOutAndDisturbsNobody() {
        TestPki pki = TestPki.create(dir.resolve("pki"), "cluster");
        // Node 3 was given member 2's certificate (a copy-paste accident, or an attempt).
        TestPki.Issued wrong = pki.member(2);
        java.util.function.UnaryOperator<ServerConfig> tweak = x -> {
            ServerConfig.Security s = pki.security(x.nodeId(), false);
            return x.nodeId() != 3 ? x.withSecurity(s) : x.withSecurity(new ServerConfig.Security(s.client(), false,
                    new io.raftkv.server.transport.TlsFiles(wrong.certFile(), wrong.keyFile(), pki.caFile())));
        };
        try (TestCluster c = new TestCluster(dir, 3, tweak)) {
            c.clientCredentials = pki.channelCredentials(null);
            long leader = c.awaitLeaderAmong(1, 2);
            c.kv(leader).put(PutRequest.newBuilder().setKey(KEY).setValue(VALUE).build());
            StatusResponse before = c.status(leader);
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            do {
                for (long id : new long[] {1, 2}) {
                    assertEquals(before.getTerm(), c.status(id).getTerm(), "term of node " + id);
                    assertEquals(leader, c.status(id).getLeaderId(), "leader seen by node " + id);
                }
                StatusResponse three = c.status(3);
                assertEquals(0, three.getLeaderId(), "node 3 hears no leader: nothing it sends or serves is accepted");
                assertFalse(three.getRemoved(), "a refused certificate is a configuration error, not a removal");
                assertTrue(three.getAppliedIndex() < before.getAppliedIndex(), "node 3 got none of the data");
            } while (System.nanoTime() - until < 0);
        }
    }

    @Test
    void refusalsNeverNameTheClusterId() {
        try (TestCluster c = new TestCluster(dir, 1, x -> x)) {
            long id = c.config(1).clusterId();
            String dec = Long.toUnsignedString(id);
            String hex = Long.toHexString(id);
            try (Stranger s = Stranger.plaintext(c.peerAddrs.get(1L))) {
                for (Status st : new Status[] {s.hello(8, 2, 1), s.stateHash(8, 2, 1), s.offerSnapshot(8, 2, 1, 5, 50),
                        s.timeoutNow(8, 2, 1, 5), s.hello(id, 2, 7)}) {
                    assertNotEquals(Status.Code.OK, st.getCode(), st.toString());
                    String text = String.valueOf(st.getDescription());
                    assertFalse(text.contains(dec) || text.contains(hex), "the refusal names the cluster id: " + text);
                }
            }
        }
    }
}
