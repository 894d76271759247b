package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

/** The local backend's controls against real server processes, one fault at a time. */
class LocalClusterIT {
    @TempDir
    Path dir;

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

    @Test
    void partitionsSignalsAndRestartsWorkOnRealProcesses() {
        LocalCluster.Settings s = new LocalCluster.Settings(ItSupport.serverJar(), dir, 3, Duration.ofMillis(50), 10, false,
                LocalCluster.Settings.DEFAULT_JAVA_OPTS, Duration.ofSeconds(60));
        List<Long> pids;
        try (LocalCluster cluster = new LocalCluster(s); Clients clients = new Clients(cluster)) {
            cluster.start();
            assertEquals(6, cluster.links().size());
            int leader = await(cluster::leader, Duration.ofSeconds(30), "a leader");

            // Cut the leader off: the other two elect one of themselves and take writes.
            cluster.partition(Grudge.isolate(cluster.nodes(), leader));
            assertEquals(LinkFaults.BLOCKED, cluster.faults(new Link(leader, leader % 3 + 1)));
            int next = await(() -> cluster.leader().filter(l -> l != leader), Duration.ofSeconds(30), "a new leader");
            assertNotEquals(leader, next);
            await(() -> put(clients, next, "k", "during"), Duration.ofSeconds(10), "a write on the majority side");
            cluster.heal();
            assertTrue(cluster.faults(new Link(leader, next)).isNone());
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
            cluster.slowLinks(cluster.links(), Duration.ofMillis(80), Duration.ofMillis(20));
            cluster.lossyLinks(cluster.links(), 0.02);
            LinkFaults f = cluster.faults(new Link(1, 2));
            assertEquals(80, f.delayMillis());
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
            long before = cluster.pid(killed);
            cluster.kill(killed);
            assertFalse(cluster.isRunning(killed));
            assertFalse(ProcessHandle.of(before).map(ProcessHandle::isAlive).orElse(false));
            cluster.start(killed);
            assertTrue(cluster.isRunning(killed));
            assertNotEquals(before, cluster.pid(killed));

            // SIGTERM: a graceful stop, then a start on the same data.
            int stopped = cluster.nodes().get(2);
            cluster.stop(stopped);
            assertFalse(cluster.isRunning(stopped));
            cluster.start(stopped);
            assertTrue(cluster.status(stopped, Duration.ofSeconds(1)).isPresent());
            pids = cluster.startedPids();
            assertEquals(5, pids.size());
        }
        ItSupport.assertNoProcessLeft(pids);
    }
}
