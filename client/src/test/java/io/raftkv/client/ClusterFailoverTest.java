package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real 3-node cluster: writers keep incrementing per-key counters while the leader is killed
 * (crash-stop, no handover), stopped gracefully,
 * restarted, and leadership is transferred. Afterwards every acknowledged increment is present and none
 * was applied twice.
 */
class ClusterFailoverTest {
    @TempDir
    Path dir;

    /**
     * Counters of a writer outside any session: each increment is a compare-and-set from the version it
     * read. The client never retries it blindly; on an unknown outcome (Indeterminate, Unavailable) the
     * writer re-issues the <em>same</em> compare-and-set, which is safe: at most one of them can match the
     * version, and a failed comparison that shows the writer's own new value says an earlier attempt applied.
     */
    private static final class CasWriter implements Runnable {
        final RaftKvClient client;
        final AtomicBoolean stop;
        final List<String> keys;
        final Map<String, Long> acked = new ConcurrentHashMap<>();
        final Map<String, Long> version = new ConcurrentHashMap<>();
        final AtomicLong total = new AtomicLong();
        final AtomicLong unknown = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        CasWriter(RaftKvClient client, AtomicBoolean stop, List<String> keys) {
            this.client = client;
            this.stop = stop;
            this.keys = keys;
            keys.forEach(k -> {
                acked.put(k, 0L);
                version.put(k, 0L);
            });
        }

        @Override
        public void run() {
            try {
                for (long i = 0; !stop.get(); i++) {
                    String k = keys.get((int) (i % keys.size()));
                    long next = acked.get(k) + 1;
                    boolean reissued = false;
                    while (!stop.get()) {
                        try {
                            CasResult r = client.compareAndSet(k, Expected.version(version.get(k)), Long.toString(next));
                            if (!r.succeeded()) {
                                // Our own value on a first issue means the client re-sent a write that had applied:
                                // the blind retry it must never make outside a session.
                                assertTrue(reissued, k + ": the client retried an applied write (compare failed on "
                                        + "its own value " + next + " at the first issue)");
                                KeyValue cur = r.current().orElseThrow(() -> new AssertionError(k + " vanished"));
                                // Only this writer writes k: anything but its own pending value is a lost or doubled write.
                                assertEquals(Long.toString(next), cur.valueUtf8(), k + ": compare failed on a foreign value");
                                assertEquals(version.get(k) + 1, cur.version(), k + ": version skipped");
                            }
                            acked.put(k, next);
                            version.put(k, r.succeeded() ? r.current().orElseThrow().version() : version.get(k) + 1);
                            total.incrementAndGet();
                            break;
                        } catch (IndeterminateException | UnavailableException e) {
                            unknown.incrementAndGet(); // outcome unknown: settle it by re-issuing the same CAS
                            reissued = true;
                        }
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }
    }

    /**
     * Counters of a writer in a session: each increment is a plain put of the next value. A put applied
     * twice would raise the key's version above its value, so {@code version == value} proves exactly-once.
     */
    private static final class SessionWriter implements Runnable {
        final Session session;
        final AtomicBoolean stop;
        final List<String> keys;
        final Map<String, Long> acked = new ConcurrentHashMap<>();
        final AtomicLong total = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        SessionWriter(Session session, AtomicBoolean stop, List<String> keys) {
            this.session = session;
            this.stop = stop;
            this.keys = keys;
            keys.forEach(k -> acked.put(k, 0L));
        }

        @Override
        public void run() {
            try {
                for (long i = 0; !stop.get(); i++) {
                    String k = keys.get((int) (i % keys.size()));
                    long next = acked.get(k) + 1;
                    PutResult r = session.put(k, Long.toString(next));
                    assertEquals(next, r.version(), k + ": the put's own answer shows a doubled or lost write");
                    acked.put(k, next);
                    total.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }
    }

    @Test
    void acknowledgedWritesSurviveLeaderStopRestartAndTransferExactlyOnce() throws Exception {
        List<AutoCloseable> extra = new ArrayList<>();
        try (RealCluster cluster = new RealCluster(dir, 3);
             RaftKvClient client = RaftKvClient.builder().endpoints(cluster.endpoints())
                     .requestTimeout(Duration.ofSeconds(10)).attemptTimeout(Duration.ofSeconds(2)).maxAttempts(40)
                     .backoff(Duration.ofMillis(20), Duration.ofMillis(500)).circuitBreaker(3, Duration.ofMillis(500))
                     .build()) {
            long first = cluster.awaitLeader();
            // The session writer's client knows one follower only: it must find every other node by redirects.
            String follower = cluster.clientAddrs.get(cluster.running().stream().filter(id -> id != first).findFirst()
                    .orElseThrow());
            RaftKvClient narrow = RaftKvClient.builder().endpoints(follower)
                    .requestTimeout(Duration.ofSeconds(10)).attemptTimeout(Duration.ofSeconds(2)).maxAttempts(40)
                    .backoff(Duration.ofMillis(20), Duration.ofMillis(500)).circuitBreaker(3, Duration.ofMillis(500))
                    .build();
            extra.add(narrow);
            AtomicBoolean stop = new AtomicBoolean();
            CasWriter cas = new CasWriter(client, stop, List.of("cas-0", "cas-1", "cas-2"));
            Session session = narrow.session();
            SessionWriter ses = new SessionWriter(session, stop, List.of("ses-0", "ses-1", "ses-2"));
            List<Thread> threads = List.of(new Thread(cas, "cas-writer"), new Thread(ses, "session-writer"));
            threads.forEach(Thread::start);
            try {
                progress(cas, ses, "before any fault");

                long leader = cluster.awaitLeader();
                cluster.kill(leader);
                progress(cas, ses, "with leader " + leader + " killed");

                cluster.start(leader);
                cluster.awaitCaughtUp(leader);
                progress(cas, ses, "after node " + leader + " restarted");

                long current = cluster.awaitLeader();
                long target = current == leader ? cluster.running().stream().filter(id -> id != leader).findFirst().orElseThrow()
                        : leader;
                cluster.transferLeadership(target);
                progress(cas, ses, "after leadership moved to node " + target);

                long again = cluster.awaitLeader();
                cluster.stop(again);
                progress(cas, ses, "with the new leader " + again + " stopped");
                cluster.start(again);
                progress(cas, ses, "after node " + again + " restarted");
            } finally {
                stop.set(true);
                for (Thread t : threads) {
                    t.join(30_000);
                }
            }
            if (cas.failure.get() != null) {
                throw new AssertionError("CAS writer failed", cas.failure.get());
            }
            if (ses.failure.get() != null) {
                throw new AssertionError("session writer failed", ses.failure.get());
            }

            List<String> report = new ArrayList<>();
            for (String k : cas.keys) {
                KeyValue kv = client.get(k).kv().orElseThrow();
                assertEquals(cas.acked.get(k), Long.parseLong(kv.valueUtf8()), k + ": value != acknowledged increments");
                assertEquals(cas.acked.get(k), kv.version(), k + ": an increment was applied twice or lost");
                report.add(k + "=" + kv.valueUtf8());
            }
            for (String k : ses.keys) {
                KeyValue kv = client.get(k).kv().orElseThrow();
                assertEquals(ses.acked.get(k), Long.parseLong(kv.valueUtf8()), k + ": value != acknowledged increments");
                assertEquals(ses.acked.get(k), kv.version(), k + ": a put was applied twice");
                report.add(k + "=" + kv.valueUtf8());
            }
            session.close();
            assertTrue(narrow.knownEndpoints().size() > 1, "the narrow client learned the leaders it was redirected to");
            System.out.println("failover counters: " + report + "; CAS outcomes settled by re-issue: " + cas.unknown.get()
                    + "; endpoints learned by the one-seed client: " + narrow.knownEndpoints());
        } finally {
            for (AutoCloseable c : extra) {
                c.close();
            }
        }
    }

    /** Waits until both writers have acknowledged a few more increments (or one of them failed). */
    private static void progress(CasWriter cas, SessionWriter ses, String phase) {
        long c0 = cas.total.get();
        long s0 = ses.total.get();
        RealCluster.await(Duration.ofSeconds(30), "both writers to make progress " + phase, () -> {
            if (cas.failure.get() != null || ses.failure.get() != null) {
                return true;
            }
            return cas.total.get() >= c0 + 15 && ses.total.get() >= s0 + 15;
        });
        if (cas.failure.get() != null) {
            throw new AssertionError("CAS writer failed " + phase, cas.failure.get());
        }
        if (ses.failure.get() != null) {
            throw new AssertionError("session writer failed " + phase, ses.failure.get());
        }
    }
}
