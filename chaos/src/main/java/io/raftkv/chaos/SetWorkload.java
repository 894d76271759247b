package io.raftkv.chaos;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.KeyValue;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.ScanRequest;
import io.raftkv.proto.ScanResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A set as keys under one prefix: adding element e writes the key {@code prefix + e}; the final read is a
 * linearizable scan of the prefix, paged. Elements are unique, so the final read tells exactly which adds
 * survived.
 */
final class SetWorkload extends Workload {
    private final Clients clients;
    private final History history;
    private final String set;
    private final Duration timeout;
    private final AtomicLong elements = new AtomicLong();
    private final Random[] rnd;
    private final int[] process;
    private final int[] target;

    SetWorkload(Clients clients, History history, String set, int threads, double rate, Duration timeout, long seed) {
        super("set", threads, rate);
        this.clients = clients;
        this.history = history;
        this.set = set;
        this.timeout = timeout;
        this.rnd = new Random[threads];
        this.process = new int[threads];
        this.target = new int[threads];
        for (int i = 0; i < threads; i++) {
            rnd[i] = new Random(seed * 17 + i);
            process[i] = history.newProcess();
            target[i] = clients.nodes().get(rnd[i].nextInt(clients.nodes().size()));
        }
    }

    String set() {
        return set;
    }

    private String prefix() {
        return set + "/";
    }

    @Override
    void step(int w) {
        String element = "e" + elements.incrementAndGet();
        Call.Add call = new Call.Add(set, element);
        History.Pending p = history.invoke(process[w], target[w], call);
        try {
            clients.kv(target[w], timeout).put(PutRequest.newBuilder().setKey(bytes(prefix() + element))
                    .setValue(bytes(element)).build());
            history.complete(p, Outcome.OK, Reply.DONE, "");
        } catch (StatusRuntimeException e) {
            Errors.Classified c = Errors.fromStub(e, true);
            history.complete(p, c.outcome(), null, c.reason());
            if (c.outcome() == Outcome.INFO) {
                process[w] = history.newProcess();
            }
            int failed = target[w];
            target[w] = clients.nodeAt(c.leaderAddress()).orElseGet(() -> {
                clients.resetBackoff(failed);
                return clients.nodes().get(rnd[w].nextInt(clients.nodes().size()));
            });
        } catch (RuntimeException e) {
            history.complete(p, Outcome.INFO, null, "client error: " + e);
            process[w] = history.newProcess();
        }
    }

    /**
     * The final read, after the workload stopped and the cluster healed: tries every node in turn (a
     * follower refuses, the leader answers) until one read succeeds or {@code within} passes. Every
     * attempt is in the history; true if one succeeded.
     */
    boolean finalRead(Duration within) {
        int proc = history.newProcess();
        long end = System.nanoTime() + within.toNanos();
        List<Integer> nodes = clients.nodes();
        int node = nodes.get(0);
        while (System.nanoTime() < end) {
            History.Pending p = history.invoke(proc, node, new Call.ReadAll(set));
            try {
                history.complete(p, Outcome.OK, new Reply.Elements(scanAll(node)), "");
                return true;
            } catch (StatusRuntimeException e) {
                Errors.Classified c = Errors.fromStub(e, false);
                history.complete(p, Outcome.FAIL, null, c.reason());
                clients.resetBackoff(node);
                int current = node;
                node = clients.nodeAt(c.leaderAddress()).orElse(nodes.get((nodes.indexOf(current) + 1) % nodes.size()));
                if (node == current || c.leaderAddress().isEmpty()) {
                    // No redirect to follow: give the cluster a moment (an election) before the next node.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
        }
        return false;
    }

    private Set<String> scanAll(int node) {
        Set<String> out = new HashSet<>();
        ByteString token = ByteString.EMPTY;
        do {
            ScanResponse r = clients.kv(node, timeout.multipliedBy(3)).scan(ScanRequest.newBuilder()
                    .setPrefix(bytes(prefix())).setPageToken(token).setLimit(1000)
                    .setConsistency(Consistency.LINEARIZABLE).build());
            for (KeyValue kv : r.getKvsList()) {
                out.add(kv.getKey().toStringUtf8().substring(prefix().length()));
            }
            token = r.getNextPageToken();
        } while (!token.isEmpty());
        return out;
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }
}
