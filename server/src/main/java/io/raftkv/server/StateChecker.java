package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;
import io.raftkv.raft.StateRole;
import io.raftkv.server.transport.HashAnswer;
import io.raftkv.storage.Alarm;
import io.raftkv.storage.Applied;
import io.raftkv.storage.Command;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.Request;
import io.raftkv.storage.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The corruption check (issue 12, defect 5; etcd's corruption check). The leader proposes a
 * {@link Command.HashState} entry; every member hashes its state right after that entry (the apply stage
 * pins it, this class hashes it on its own thread), and the leader compares the voters' hashes. A member
 * whose hash differs from the majority's gets a CORRUPT alarm through the log: it stops serving and says
 * why in every answer, health, status and metrics. Without a majority nothing is raised (it cannot tell
 * who is wrong), and the verdict says so.
 */
final class StateChecker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StateChecker.class);
    private static final int KEEP_HASHES = 16;
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(2);
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** How the checker asks a peer for its hash (the transport). */
    interface Peers {
        CompletableFuture<HashAnswer> ask(long peer, long index, Duration timeout);
    }

    /** What one check found. */
    record Verdict(long index, Map<Long, byte[]> hashes, Map<Long, String> errors, List<Long> corrupt, String summary) {
    }

    private final ServerConfig config;
    private final RaftNode node;
    private final RaftStore store;
    private final Peers peers;
    private final Duration timeout;
    private final ExecutorService hasher;
    private final ScheduledExecutorService checks;
    private final ConcurrentSkipListMap<Long, byte[]> hashes = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<Long, Boolean> hashing = new ConcurrentSkipListMap<>();

    StateChecker(ServerConfig config, RaftNode node, RaftStore store, Peers peers, Duration timeout) {
        this.config = config;
        this.node = node;
        this.store = store;
        this.peers = peers;
        this.timeout = timeout;
        this.hasher = Executors.newSingleThreadExecutor(r -> daemon(r, "raftkv-hash-" + config.nodeId()));
        this.checks = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "raftkv-check-" + config.nodeId()));
        long every = config.corruptionCheck().toMillis();
        if (every > 0) {
            checks.scheduleWithFixedDelay(new Periodic(), every, every, TimeUnit.MILLISECONDS);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Apply thread: a hash point at {@code index} was applied here; hash it off the apply thread. */
    void hashPointApplied(long index) {
        hashing.put(index, Boolean.TRUE);
        hasher.execute(new HashTask(index));
    }

    /** What this node answers a peer asking for its hash at {@code index}. */
    HashAnswer answer(long index) {
        byte[] h = hashes.get(index);
        if (h != null) {
            return new HashAnswer(h, false);
        }
        if (hashing.containsKey(index) || store.stateMachine().appliedIndex() < index) {
            return HashAnswer.PENDING;
        }
        return HashAnswer.UNKNOWN;
    }

    /** Runs one check now (on this node, which must lead). */
    CompletableFuture<Verdict> check() {
        CompletableFuture<Verdict> f = new CompletableFuture<>();
        node.propose(Request.of(new Command.HashState()), timeout).whenComplete((applied, t) -> {
            if (t != null) {
                f.completeExceptionally(t);
            } else {
                checks.execute(new Compare(pointOf(applied), f));
            }
        });
        return f;
    }

    private static long pointOf(Applied a) {
        if (a.result() instanceof Result.HashPoint p) {
            return p.index();
        }
        throw new IllegalStateException("hash point entry " + a.index() + " produced " + a.result());
    }

    @Override
    public void close() {
        checks.shutdownNow();
        hasher.shutdownNow();
        try {
            hasher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hashes one pinned point. */
    private final class HashTask implements Runnable {
        private final long index;

        HashTask(long index) {
            this.index = index;
        }

        @Override
        public void run() {
            try {
                store.stateMachine().stateHash(index).ifPresent(h -> hashes.put(index, h));
                while (hashes.size() > KEEP_HASHES) {
                    hashes.pollFirstEntry();
                }
            } catch (RuntimeException e) {
                LOG.error("node {}: hashing the state at index {} failed: {}", config.nodeId(), index, e.toString());
            } finally {
                hashing.remove(index);
            }
        }
    }

    /** The leader's periodic check. */
    private final class Periodic implements Runnable {
        @Override
        public void run() {
            RaftNode.NodeStatus s = node.status();
            if (s.role() != StateRole.LEADER || node.halted() != null) {
                return;
            }
            try {
                Verdict v = check().get(timeout.toMillis() * 3, TimeUnit.MILLISECONDS);
                LOG.info("node {}: corruption check at index {}: {}", config.nodeId(), v.index(), v.summary());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.warn("node {}: corruption check did not complete: {}", config.nodeId(), e.toString());
            }
        }
    }

    /** On the check thread: collects every voter's hash at the point, then judges. */
    private final class Compare implements Runnable {
        private final long index;
        private final CompletableFuture<Verdict> result;

        Compare(long index, CompletableFuture<Verdict> result) {
            this.index = index;
            this.result = result;
        }

        @Override
        public void run() {
            try {
                result.complete(judge(collect()));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }

        private record Collected(Map<Long, HashAnswer> answers, Map<Long, String> errors) {
        }

        private Collected collect() {
            TreeMap<Long, HashAnswer> got = new TreeMap<>();
            TreeMap<Long, String> errors = new TreeMap<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            List<Long> voters = new ArrayList<>(node.status().conf().voters());
            while (true) {
                for (long id : voters) {
                    if (got.containsKey(id) && !got.get(id).pending()) {
                        continue;
                    }
                    got.put(id, ask(id, errors));
                }
                boolean waiting = got.values().stream().anyMatch(HashAnswer::pending);
                if (!waiting || System.nanoTime() - deadline > 0) {
                    break;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(RETRY_NANOS);
            }
            return new Collected(got, errors);
        }

        private HashAnswer ask(long id, Map<Long, String> errors) {
            if (id == config.nodeId()) {
                return answer(index);
            }
            try {
                HashAnswer a = peers.ask(id, index, ASK_TIMEOUT).get(ASK_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
                errors.remove(id);
                return a;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                errors.put(id, "interrupted");
                return HashAnswer.UNKNOWN;
            } catch (Exception e) {
                errors.put(id, String.valueOf(e.getCause() != null ? e.getCause() : e));
                return HashAnswer.PENDING;
            }
        }

        private Verdict judge(Collected c) {
            Map<Long, HashAnswer> answers = c.answers();
            TreeMap<Long, byte[]> known = new TreeMap<>();
            TreeMap<Long, String> errors = new TreeMap<>(c.errors());
            answers.forEach((id, a) -> {
                if (a.known()) {
                    known.put(id, a.hash());
                    errors.remove(id);
                } else {
                    errors.putIfAbsent(id, a.pending() ? "no hash within " + timeout : "has no state at that index");
                }
            });
            int voters = answers.size();
            byte[] majority = majority(known.values(), voters);
            List<Long> corrupt = new ArrayList<>();
            if (majority != null) {
                known.forEach((id, h) -> {
                    if (!Arrays.equals(h, majority)) {
                        corrupt.add(id);
                    }
                });
            }
            String summary = majority == null
                    ? (known.size() <= voters / 2 ? "undecided: only " + known.size() + " of " + voters + " voters answered"
                    : "undecided: no majority of " + voters + " voters agrees on one hash")
                    : corrupt.isEmpty() ? known.size() + " of " + voters + " voters agree"
                    : "members " + corrupt + " differ from the majority's hash " + hex(majority);
            for (long id : corrupt) {
                raise(id, known.get(id), majority);
            }
            return new Verdict(index, known, errors, corrupt, summary);
        }

        private void raise(long id, byte[] theirs, byte[] majority) {
            String detail = "state hash at index " + index + " is " + hex(theirs) + ", the majority's is " + hex(majority)
                    + ": this member's state diverged; replace it (remove it, add a new member)";
            LOG.error("node {}: corruption check: member {} is corrupt: {}", config.nodeId(), id, detail);
            node.propose(Request.of(new Command.SetAlarm(id, Alarm.Type.CORRUPT, true, detail)), timeout)
                    .whenComplete((a, t) -> {
                        if (t != null) {
                            LOG.error("node {}: could not raise the CORRUPT alarm for member {}: {}", config.nodeId(), id,
                                    t.toString());
                        }
                    });
        }
    }

    private static byte[] majority(Iterable<byte[]> hashes, int voters) {
        List<byte[]> seen = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (byte[] h : hashes) {
            int i = 0;
            while (i < seen.size() && !Arrays.equals(seen.get(i), h)) {
                i++;
            }
            if (i == seen.size()) {
                seen.add(h);
                counts.add(0);
            }
            counts.set(i, counts.get(i) + 1);
        }
        for (int i = 0; i < seen.size(); i++) {
            if (counts.get(i) > voters / 2) {
                return seen.get(i);
            }
        }
        return null;
    }

    static String hex(byte[] h) {
        return h == null ? "none" : HexFormat.of().formatHex(h, 0, Math.min(8, h.length));
    }

    /** The refusal a member with a CORRUPT alarm answers every request with, or null. */
    static NodeException refusal(long self, List<Alarm> alarms) {
        for (Alarm a : alarms) {
            if (a.type() == Alarm.Type.CORRUPT && (a.member() == self || a.member() == 0)) {
                return NodeException.of(ErrorDetail.Code.NO_LEADER, "node " + self + " serves nothing: CORRUPT alarm: "
                        + a.detail() + "; use the other members");
            }
        }
        return null;
    }
}
