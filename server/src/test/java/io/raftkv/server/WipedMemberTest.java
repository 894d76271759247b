package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.AddMemberRequest;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.PromoteMemberRequest;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.RemoveMemberRequest;
import io.raftkv.storage.DataDirMismatchException;
import io.raftkv.storage.RaftStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, defect 2: a member that returns with an empty disk under its old id has forgotten its votes
 * and the entries it acknowledged. x committed by {1, 3} while 2 lags, 3 returns empty, 1 crashes: with
 * 3's vote 2 could win and x would be lost. It must be refused at start, refused by its peers if it gets
 * past that, and the documented recovery (remove it, add a new id as a learner, promote) must work.
 */
class WipedMemberTest {
    @TempDir
    Path dir;

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static void wipe(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    @Test
    void aWipedMemberIsRefusedAtStartAndTheReplaceProcedureWorks() throws IOException {
        try (TestCluster c = new TestCluster(dir, 3, x -> x)) {
            long leader = c.awaitLeader();
            c.kv(leader).put(PutRequest.newBuilder().setKey(b("x")).setValue(b("committed")).build());
            long victim = leader == 3 ? 2 : 3;
            long victimIncarnation = c.server(victim).store().incarnations().self();
            TestCluster.await(Duration.ofSeconds(10), "every member's incarnation recorded in the log on every member",
                    () -> c.servers.values().stream().allMatch(s -> java.util.stream.LongStream.rangeClosed(1, 3)
                            .allMatch(id -> s.store().stateMachine().recordedIncarnation(id) != 0)));
            assertEquals(victimIncarnation, c.server(leader).store().stateMachine().recordedIncarnation(victim));
            c.kill(victim);
            wipe(dir.resolve("n" + victim));

            DataDirMismatchException e = assertThrows(DataDirMismatchException.class, () -> c.start(victim));
            assertTrue(e.getMessage().contains("another data directory") && e.getMessage().contains("member remove " + victim),
                    e.getMessage());
            assertTrue(RaftStore.isEmpty(dir.resolve("n" + victim)), "the refused start leaves no store behind");

            // The replace procedure: remove the id, add a new one as a learner, start it joining, promote it.
            leader = c.awaitLeader();
            c.cluster(leader).removeMember(RemoveMemberRequest.newBuilder().setId(victim).build());
            c.reserve(4);
            long clusterId = c.status(leader).getClusterId();
            c.cluster(leader).addMember(AddMemberRequest.newBuilder().setId(4).setPeerAddress(c.peerAddrs.get(4L))
                    .setClientAddress(c.clientAddrs.get(4L)).setLearner(true).build());
            c.startJoining(4, clusterId);
            long l = leader;
            TestCluster.await(Duration.ofSeconds(20), "node 4 promoted", () -> {
                try {
                    c.cluster(l).promoteMember(PromoteMemberRequest.newBuilder().setId(4).build());
                    return true;
                } catch (StatusRuntimeException notYet) {
                    return false;
                }
            });
            assertEquals(b("committed"), c.kv(4).get(GetRequest.newBuilder().setKey(b("x"))
                    .setConsistency(Consistency.SERIALIZABLE).build()).getKv().getValue());
        }
    }

    /**
     * Started while its peers are down, the wiped member gets past the start check; once they are back
     * they refuse its traffic (so its votes never count) and it stops serving, saying why.
     */
    @Test
    void aWipedMemberThatGetsPastTheStartCheckIsRefusedByItsPeers() throws IOException {
        try (TestCluster c = new TestCluster(dir, 3, x -> x)) {
            long leader = c.awaitLeader();
            c.kv(leader).put(PutRequest.newBuilder().setKey(b("x")).setValue(b("committed")).build());
            c.kill(1);
            c.kill(2);
            c.kill(3);
            wipe(dir.resolve("n3"));
            c.start(3);
            c.start(1);
            c.start(2);
            TestCluster.await(Duration.ofSeconds(20), "node 3 refused by its peers", () -> c.status(3).getRemoved());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> c.kv(3).get(
                    GetRequest.newBuilder().setKey(b("x")).setConsistency(Consistency.SERIALIZABLE).build()));
            assertTrue(e.getStatus().getDescription().contains("another data directory"), e.getStatus().getDescription());
            leader = c.awaitLeaderAmong(1, 2);
            assertEquals(b("committed"), c.kv(leader).get(GetRequest.newBuilder().setKey(b("x")).build()).getKv().getValue());
            assertNotNull(c.status(leader));
        }
    }
}
