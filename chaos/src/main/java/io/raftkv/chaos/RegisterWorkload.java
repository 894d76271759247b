package io.raftkv.chaos;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.CompareAndSetResponse;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.PutRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * Registers through the raw gRPC stubs: linearizable reads, writes of unique values and compare-and-sets
 * ({@link RegisterOps}). Each attempt is one operation, so the harness alone decides ok, fail and info.
 * Writes go to the node the worker believes leads (following NOT_LEADER redirects); a share of the reads
 * goes to a random node, which a correct server refuses unless it leads, and which is how stale local
 * reads (the negative control) get observed.
 */
final class RegisterWorkload extends Workload {
    private final Clients clients;
    private final History history;
    private final RegisterOps ops;
    private final Duration timeout;
    private final double anyNodeReads;
    private final Worker[] workers;

    private static final class Worker {
        final Random rnd;
        int process;
        int target;

        Worker(Random rnd, int process, int target) {
            this.rnd = rnd;
            this.process = process;
            this.target = target;
        }
    }

    /**
     * @param seed          seeds each worker's choices (the interleaving still depends on timing)
     * @param anyNodeReads  share of reads sent to a random node instead of the presumed leader
     */
    RegisterWorkload(Clients clients, History history, RegisterOps ops, int threads, double rate, Duration timeout,
                     double anyNodeReads, long seed) {
        super("register", threads, rate);
        this.clients = clients;
        this.history = history;
        this.ops = ops;
        this.timeout = timeout;
        this.anyNodeReads = anyNodeReads;
        this.workers = new Worker[threads];
        List<Integer> nodes = clients.nodes();
        for (int i = 0; i < threads; i++) {
            Random r = new Random(seed * 31 + i);
            workers[i] = new Worker(r, history.newProcess(), nodes.get(r.nextInt(nodes.size())));
        }
    }

    @Override
    void step(int index) {
        Worker w = workers[index];
        Call call = ops.next(w.rnd);
        List<Integer> nodes = clients.nodes();
        int node = w.target;
        if (call instanceof Call.Read && w.rnd.nextDouble() < anyNodeReads) {
            node = nodes.get(w.rnd.nextInt(nodes.size()));
        }
        History.Pending p = history.invoke(w.process, node, call);
        try {
            Reply reply = execute(node, call);
            history.complete(p, Outcome.OK, reply, "");
            ops.succeeded(call, reply);
        } catch (StatusRuntimeException e) {
            Errors.Classified c = Errors.fromStub(e, call.mutates());
            history.complete(p, c.outcome(), null, c.reason());
            if (c.outcome() == Outcome.INFO) {
                // The operation may still be in flight inside the cluster: this process is done (Jepsen).
                w.process = history.newProcess();
                ops.indeterminate(call);
            }
            w.target = clients.nodeAt(c.leaderAddress()).orElseGet(() -> {
                clients.resetBackoff(p.node());
                return nodes.get(w.rnd.nextInt(nodes.size()));
            });
        } catch (RuntimeException e) {
            // Not a gRPC status (a harness bug, a malformed reply): record honestly, never guess success.
            history.complete(p, call.mutates() ? Outcome.INFO : Outcome.FAIL, null, "client error: " + e);
            if (call.mutates()) {
                w.process = history.newProcess();
            }
        }
    }

    private Reply execute(int node, Call call) {
        if (call instanceof Call.Read r) {
            GetResponse g = clients.kv(node, timeout).get(GetRequest.newBuilder().setKey(bytes(r.key()))
                    .setConsistency(Consistency.LINEARIZABLE).build());
            return new Reply.Value(g.getFound() ? g.getKv().getValue().toStringUtf8() : null);
        }
        if (call instanceof Call.Write wr) {
            clients.kv(node, timeout).put(PutRequest.newBuilder().setKey(bytes(wr.key())).setValue(bytes(wr.value())).build());
            return Reply.DONE;
        }
        Call.Cas c = (Call.Cas) call;
        CompareAndSetResponse r = clients.kv(node, timeout).compareAndSet(CompareAndSetRequest.newBuilder()
                .setKey(bytes(c.key())).setExpectedValue(bytes(c.expected())).setNewValue(bytes(c.value())).build());
        return new Reply.CasResult(r.getSucceeded(), r.getSucceeded() || !r.getFound() ? null : r.getKv().getValue().toStringUtf8());
    }

    static ByteString bytes(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }
}
