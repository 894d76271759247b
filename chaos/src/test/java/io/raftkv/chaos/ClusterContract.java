package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.PutRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Cluster} backend must do, against real server processes, one control at a time. A
 * backend's suite extends this and says how to make its cluster.
 */
abstract class ClusterContract {
    @TempDir
    Path dir;

    /** A fresh three-node cluster, not started, with 50 ms ticks. */
    abstract Cluster newCluster(Path dir);

    /**
     * After close: nothing the cluster started is left running. {@code starts} is how many times nodes
     * were started (three, a restart after the kill, one after the stop).
     */
    abstract void assertNothingLeft(Cluster cluster, int starts);

    /** What the backend currently applies to a link (checked against what was asked for). */
    abstract LinkFaults faultsOf(Cluster cluster, Link link);

    /** Kills a node's process behind the cluster's back, as a crash or an OutOfMemoryError would end it. */
    abstract void crashBehindTheHarness(Cluster cluster, int node);

    /** Whether the backend can delay links (one that cannot must refuse, not ignore, a slow fault). */
    boolean delaysLinks() {
        return true;
    }

    private static <T> T await(Supplier<Optional<T>> probe, Duration within, String what) {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw new AssertionError("timed out after " + within + " waiting for " + what);
    }

    private static Optional<Boolean> put(Clients clients, int node, String key, String value) {
        try {
            clients.kv(node, Duration.ofSeconds(1)).put(PutRequest.newBuilder().setKey(RegisterWorkload.bytes(key))
                    .setValue(RegisterWorkload.bytes(value)).build());
            return Optional.of(true);
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        }
    }

    private static String get(Clients clients, int node, String key) {
        return clients.kv(node, Duration.ofSeconds(2)).get(GetRequest.newBuilder().setKey(RegisterWorkload.bytes(key))
                .setConsistency(Consistency.LINEARIZABLE).build()).getKv().getValue().toStringUtf8();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier ok, String what) {
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

    /** A replaced member joins under a new id in the same slot, and the slot's links still obey partitions. */
    @Test
    void replacedMembersJoinUnderNewIdsAndStayBehindPartitions() {
        Cluster c = newCluster(dir);
        try (Cluster cluster = c; Clients clients = new Clients(cluster)) {
            cluster.start();
            int leader = await(cluster::leader, Duration.ofSeconds(30), "a leader");
            clients.kv(leader, Duration.ofSeconds(5)).put(PutRequest.newBuilder().setKey(RegisterWorkload.bytes("k"))
                    .setValue(RegisterWorkload.bytes("before")).build());
            // The leader's slot (it removes itself and steps down), then that slot again: ids slot+3, slot+6.
            String did = cluster.replaceMember(leader, Duration.ofSeconds(60));
            assertTrue(did.contains("by " + (leader + 3)), did);
            cluster.replaceMember(leader, Duration.ofSeconds(60));
            List<Long> ids = io.raftkv.proto.ClusterGrpc.newBlockingStub(clients.channel(leader))
                    .withDeadlineAfter(5, TimeUnit.SECONDS).members(io.raftkv.proto.MembersRequest.getDefaultInstance())
                    .getMembersList().stream().map(io.raftkv.proto.Member::getId).sorted().toList();
            List<Long> expected = new java.util.ArrayList<>();
            for (long id = 1; id <= 3; id++) {
                expected.add(id == leader ? id + 6 : id);
            }
            expected.sort(null);
            assertEquals(expected, ids, "the slot's member is the newest id, the old ones are gone");
            awaitTrue(() -> serializable(clients, leader, "k").equals("before"), "the new member to hold the data");

            cluster.partition(Grudge.isolate(cluster.nodes(), leader));
            awaitTrue(() -> {
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
            awaitTrue(() -> serializable(clients, leader, "k").equals("during"), "the new member to catch up after the heal");
        }
    }

    @Test
    void partitionsSignalsAndRestartsWorkOnRealProcesses() {
        Cluster c = newCluster(dir);
        try (Cluster cluster = c; Clients clients = new Clients(cluster)) {
            cluster.start();
            assertEquals(6, cluster.links().size());
            int leader = await(cluster::leader, Duration.ofSeconds(30), "a leader");

            // Cut the leader off: the other two elect one of themselves and take writes.
            cluster.partition(Grudge.isolate(cluster.nodes(), leader));
            assertEquals(LinkFaults.BLOCKED, faultsOf(cluster, new Link(leader, leader % 3 + 1)));
            int next = await(() -> cluster.leader().filter(l -> l != leader), Duration.ofSeconds(30), "a new leader");
            assertNotEquals(leader, next);
            await(() -> put(clients, next, "k", "during"), Duration.ofSeconds(10), "a write on the majority side");
            cluster.heal();
            assertTrue(faultsOf(cluster, new Link(leader, next)).isNone());
            assertEquals("during", await(() -> {
                try {
                    return Optional.of(get(clients, cluster.leader().orElse(next), "k"));
                } catch (StatusRuntimeException e) {
                    return Optional.empty();
                }
            }, Duration.ofSeconds(10), "a read after healing"));

            // One-way: the leader cannot send, so followers stop hearing it and elect another.
            int current = await(cluster::leader, Duration.ofSeconds(30), "a leader after healing");
            cluster.partition(Grudge.oneWay(cluster.nodes(), current, false));
            await(() -> cluster.leader().filter(l -> l != current), Duration.ofSeconds(30), "a leader other than the mute one");
            cluster.heal();

            // Degraded links still carry traffic.
            if (delaysLinks()) {
                cluster.slowLinks(cluster.links(), Duration.ofMillis(80), Duration.ofMillis(20));
            } else {
                assertThrows(UnsupportedOperationException.class,
                        () -> cluster.slowLinks(cluster.links(), Duration.ofMillis(80), Duration.ofMillis(20)));
            }
            cluster.lossyLinks(cluster.links(), 0.02);
            LinkFaults f = faultsOf(cluster, new Link(1, 2));
            assertEquals(delaysLinks() ? 80 : 0, f.delayMillis());
            assertEquals(0.02, f.loss());
            await(() -> cluster.leader().flatMap(l -> put(clients, l, "k", "slow")), Duration.ofSeconds(20),
                    "a write over slow, lossy links");
            cluster.heal();

            // SIGSTOP: alive but silent; SIGCONT: back.
            int paused = cluster.nodes().get(0);
            cluster.pause(paused);
            assertTrue(cluster.isPaused(paused));
            assertTrue(cluster.isRunning(paused));
            assertFalse(cluster.status(paused, Duration.ofMillis(300)).isPresent());
            cluster.resume(paused);
            assertFalse(cluster.isPaused(paused));
            await(() -> cluster.status(paused, Duration.ofMillis(500)), Duration.ofSeconds(10), "the resumed node to answer");

            // SIGKILL and restart on the same ports and data.
            int killed = cluster.nodes().get(1);
            cluster.kill(killed);
            assertFalse(cluster.isRunning(killed));
            assertFalse(cluster.status(killed, Duration.ofMillis(300)).isPresent());
            cluster.start(killed);
            assertTrue(cluster.isRunning(killed));
            assertTrue(cluster.status(killed, Duration.ofSeconds(1)).isPresent());

            // SIGTERM: a graceful stop, then a start on the same data.
            int stopped = cluster.nodes().get(2);
            cluster.stop(stopped);
            assertFalse(cluster.isRunning(stopped));
            cluster.start(stopped);
            assertTrue(cluster.status(stopped, Duration.ofSeconds(1)).isPresent());

            // A node that dies on its own is reported with its exit code and log; the harness's own kills are not.
            assertEquals(List.of(), cluster.unexpectedExits(), "kills and stops by the harness are not exits on their own");
            int victim = cluster.nodes().get(0);
            crashBehindTheHarness(cluster, victim);
            NodeExit exit = await(() -> cluster.unexpectedExits().stream().filter(e -> e.node() == victim).findFirst(),
                    Duration.ofSeconds(30), "the exit to be noticed");
            assertTrue(exit.how().contains("137"), "SIGKILL's exit code: " + exit.how());
            assertFalse(exit.lastLines().isEmpty(), "the node's last log lines");
            cluster.start(victim);
            assertEquals(1, cluster.unexpectedExits().size(), "one exit, noted once: " + cluster.unexpectedExits());
        }
        assertNothingLeft(c, 6);
    }
}
