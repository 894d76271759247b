package io.raftkv.chaos;

import io.raftkv.client.CasResult;
import io.raftkv.client.Expected;
import io.raftkv.client.GetResult;
import io.raftkv.client.KvWriter;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.RaftKvException;
import io.raftkv.client.ReadConsistency;
import io.raftkv.client.Session;
import java.util.Random;

/**
 * Registers through the client library ({@link RaftKvClient}), on the same keys and with the same
 * operations as the raw-stub workload ({@link RegisterOps}). One operation is one library call, retries
 * included, and its outcome is what the exception says ({@link RaftKvException#outcome()}): the checker
 * thereby tests the library's claims, since a write it reports as not applied that shows up in a read is
 * a violation. Even workers write outside a session (retried only while certainly not applied), odd ones
 * through a session of their own (retried always, applied at most once). Reads are linearizable and go
 * wherever the library sends them (the leader it knows, or the one a redirect names). History node 0
 * stands for "the library chose".
 */
final class LibraryRegisterWorkload extends Workload {
    static final int LIBRARY_NODE = 0;

    private final RaftKvClient client;
    private final History history;
    private final RegisterOps ops;
    private final Random[] rnd;
    private final int[] process;
    private final Session[] sessions;

    LibraryRegisterWorkload(RaftKvClient client, History history, RegisterOps ops, int threads, double rate, long seed) {
        super("library-register", threads, rate);
        this.client = client;
        this.history = history;
        this.ops = ops;
        this.rnd = new Random[threads];
        this.process = new int[threads];
        this.sessions = new Session[threads];
        for (int i = 0; i < threads; i++) {
            rnd[i] = new Random(seed * 37 + i);
            process[i] = history.newProcess();
        }
    }

    @Override
    void step(int w) {
        Call call = ops.next(rnd[w]);
        History.Pending p = history.invoke(process[w], LIBRARY_NODE, call);
        try {
            Reply reply = execute(w, call);
            history.complete(p, Outcome.OK, reply, "");
            ops.succeeded(call, reply);
        } catch (RaftKvException e) {
            Errors.Classified c = Errors.fromLibrary(e, call.mutates());
            history.complete(p, c.outcome(), null, c.reason());
            if (c.outcome() == Outcome.INFO) {
                process[w] = history.newProcess();
                ops.indeterminate(call);
            }
        } catch (RuntimeException e) {
            // Not the library's own error (a harness bug, a closed client): record honestly, never guess.
            history.complete(p, call.mutates() ? Outcome.INFO : Outcome.FAIL, null, "client error: " + e);
            if (call.mutates()) {
                process[w] = history.newProcess();
            }
        }
    }

    private Reply execute(int w, Call call) {
        if (call instanceof Call.Read r) {
            GetResult g = client.get(r.key(), ReadConsistency.LINEARIZABLE);
            return new Reply.Value(g.valueUtf8().orElse(null));
        }
        if (call instanceof Call.Write wr) {
            writer(w).put(wr.key(), wr.value());
            return Reply.DONE;
        }
        Call.Cas c = (Call.Cas) call;
        CasResult r = writer(w).compareAndSet(c.key(), Expected.value(c.expected()), c.value());
        return new Reply.CasResult(r.succeeded(), r.succeeded() ? null : r.current().map(kv -> kv.valueUtf8()).orElse(null));
    }

    /** The plain client for even workers; a session of the worker's own for odd ones (opened by its first write). */
    private KvWriter writer(int w) {
        if (w % 2 == 0) {
            return client;
        }
        if (sessions[w] == null) {
            sessions[w] = client.session();
        }
        return sessions[w];
    }
}
