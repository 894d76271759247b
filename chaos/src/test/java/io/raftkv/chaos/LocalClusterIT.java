package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.Member;
import io.raftkv.proto.MembersRequest;
import io.raftkv.proto.PutRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The local backend (server processes, the fault proxy, signals) against the cluster contract. */
class LocalClusterIT extends ClusterContract {
    @Override
    Cluster newCluster(Path dir) {
        return new LocalCluster(new LocalCluster.Settings(ItSupport.serverJar(), dir, 3, Duration.ofMillis(50), 10, false,
                LocalCluster.Settings.DEFAULT_JAVA_OPTS, Duration.ofSeconds(60)));
    }

    @Override
    void assertNothingLeft(Cluster cluster, int starts) {
        List<Long> pids = ((LocalCluster) cluster).startedPids();
        assertEquals(starts, pids.size(), "server processes started: " + pids);
        ItSupport.assertNoProcessLeft(pids);
    }

    @Override
    LinkFaults faultsOf(Cluster cluster, Link link) {
        return ((LocalCluster) cluster).faults(link);
    }

    private static void await(BooleanSupplier ok, String what) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() - end < 0) {
            try {
                if (ok.getAsBoolean()) {
                    return;
                }
            } catch (StatusRuntimeException e) {
                // not yet
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    private static String serializable(Clients clients, int slot, String key) {
        return clients.kv(slot, Duration.ofSeconds(2)).get(GetRequest.newBuilder().setKey(RegisterWorkload.bytes(key))
                .setConsistency(Consistency.SERIALIZABLE).build()).getKv().getValue().toStringUtf8();
    }

    /** A replaced member joins under a new id on the slot's ports, and the slot's links still obey partitions. */
    @Test
    void replacedMembersJoinUnderNewIdsAndStayBehindTheProxy() {
        try (LocalCluster cluster = (LocalCluster) newCluster(dir); Clients clients = new Clients(cluster)) {
            cluster.start();
            await(() -> cluster.leader().isPresent(), "a leader");
            int leader = cluster.leader().orElseThrow();
            clients.kv(leader, Duration.ofSeconds(5)).put(PutRequest.newBuilder().setKey(RegisterWorkload.bytes("k"))
                    .setValue(RegisterWorkload.bytes("before")).build());
            // The leader's slot first (it removes itself and steps down), then that slot again.
            String did = cluster.replaceMember(leader, Duration.ofSeconds(60));
            assertTrue(did.contains("by " + (leader + 3)), did);
            cluster.replaceMember(leader, Duration.ofSeconds(60));
            int newId = leader + 6;
            assertEquals(newId, cluster.raftId(leader));
            List<Long> ids = ClusterGrpc.newBlockingStub(clients.channel(leader)).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .members(MembersRequest.getDefaultInstance()).getMembersList().stream().map(Member::getId)
                    .filter(id -> !(id < 4 && id != leader)).toList();
            assertEquals(List.of((long) newId), ids, "the slot's member is the newest id, the old ones are gone");
            await(() -> serializable(clients, leader, "k").equals("before"), "the new member to hold the data");

            cluster.partition(Grudge.isolate(cluster.nodes(), leader));
            await(() -> {
                int l = cluster.leader().orElse(leader);
                if (l == leader) {
                    return false;
                }
                clients.kv(l, Duration.ofSeconds(2)).put(PutRequest.newBuilder().setKey(RegisterWorkload.bytes("k"))
                        .setValue(RegisterWorkload.bytes("during")).build());
                return true;
            }, "a write in the majority");
            assertEquals("before", serializable(clients, leader, "k"), "the isolated new member heard nothing");
            cluster.heal();
            await(() -> serializable(clients, leader, "k").equals("during"), "the new member to catch up after the heal");
            assertFalse(cluster.describe(leader).contains("--id " + leader + " "), cluster.describe(leader));
        }
    }
}
