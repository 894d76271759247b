package io.raftkv.chaos;

import io.raftkv.client.CasResult;
import io.raftkv.client.Expected;
import io.raftkv.client.GetResult;
import io.raftkv.client.KeyValue;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.RaftKvException;
import io.raftkv.client.ReadConsistency;
import io.raftkv.client.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Counters through the client library's sessions: each increment appends a unique token to a counter key
 * with a read and a compare-and-set on the version, looping when another thread got there first. The
 * loop is only right if a session CAS's answer is the truth: after a lost answer the library retries with
 * the same sequence number and must get the original result back, never a second application (which
 * would fail its comparison, make the loop read and append again, and leave the token twice). A CAS whose
 * outcome is UNKNOWN ends the increment as INFO without retrying it, so an unacknowledged token may
 * appear at most once. Several threads share few keys, so conflicts are common.
 *
 * <p>Tokens are kept in the value, comma-terminated: the final read ({@link #finalRead}) shows every
 * application, duplicates included, for the {@link CounterChecker}.
 */
final class CounterWorkload extends Workload {
    private final RaftKvClient client;
    private final History history;
    private final List<String> keys;
    private final Duration timeout;
    private final AtomicLong tokens = new AtomicLong();
    private final Random[] rnd;
    private final int[] process;
    private final Session[] sessions;

    /** @param timeout how long one increment may take, its reads and CASes included */
    CounterWorkload(RaftKvClient client, History history, String prefix, int keys, int threads, double rate,
                    Duration timeout, long seed) {
        super("counter", threads, rate);
        this.client = client;
        this.history = history;
        this.timeout = timeout;
        List<String> k = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            k.add(prefix + i);
        }
        this.keys = List.copyOf(k);
        this.rnd = new Random[threads];
        this.process = new int[threads];
        this.sessions = new Session[threads];
        for (int i = 0; i < threads; i++) {
            rnd[i] = new Random(seed * 41 + i);
            process[i] = history.newProcess();
        }
    }

    List<String> keys() {
        return keys;
    }

    /** How one increment ended, and why when it did not succeed. */
    private record Ended(Outcome outcome, String error) {
    }

    @Override
    void step(int w) {
        String key = keys.get(rnd[w].nextInt(keys.size()));
        Call.Append call = new Call.Append(key, "t" + tokens.incrementAndGet());
        History.Pending p = history.invoke(process[w], LibraryRegisterWorkload.LIBRARY_NODE, call);
        Ended e;
        try {
            e = append(w, call);
        } catch (RuntimeException unexpected) {
            e = new Ended(Outcome.INFO, "client error: " + unexpected);
        }
        history.complete(p, e.outcome(), e.outcome() == Outcome.OK ? Reply.DONE : null, e.error());
        if (e.outcome() == Outcome.INFO) {
            process[w] = history.newProcess();
        }
    }

    /** Read, CAS on the version read, again on a conflict or a failure that certainly applied nothing. */
    private Ended append(int w, Call.Append call) {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "no attempt";
        int conflicts = 0;
        while (System.nanoTime() - end < 0) {
            try {
                Session s = session(w);
                GetResult g = client.get(call.key(), ReadConsistency.LINEARIZABLE);
                long version = g.kv().map(KeyValue::version).orElse(0L);
                String value = g.valueUtf8().orElse("") + call.token() + ",";
                CasResult r = s.compareAndSet(call.key(), Expected.version(version), value);
                if (r.succeeded()) {
                    return new Ended(Outcome.OK, "");
                }
                conflicts++;
            } catch (RaftKvException ex) {
                if (ex.outcome() == RaftKvException.Outcome.UNKNOWN) {
                    // It may have been applied, or may still be: retrying could append it twice.
                    return new Ended(Outcome.INFO, Errors.fromLibrary(ex, true).reason());
                }
                last = Errors.fromLibrary(ex, true).reason();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
        return new Ended(Outcome.FAIL, "gave up after " + conflicts + " conflicts; last failure: " + last);
    }

    private Session session(int w) {
        if (sessions[w] == null) {
            sessions[w] = client.session();
        }
        return sessions[w];
    }

    /**
     * The final reads, after the workload stopped and the cluster healed: each key read linearizably through
     * the library until one read succeeds or {@code within} passes. Every attempt is in the history; true if
     * every key was read.
     */
    boolean finalRead(Duration within) {
        int proc = history.newProcess();
        long end = System.nanoTime() + within.toNanos();
        for (String key : keys) {
            boolean done = false;
            while (!done && System.nanoTime() - end < 0) {
                History.Pending p = history.invoke(proc, LibraryRegisterWorkload.LIBRARY_NODE, new Call.ReadTokens(key));
                try {
                    String value = client.get(key, ReadConsistency.LINEARIZABLE).valueUtf8().orElse("");
                    history.complete(p, Outcome.OK, new Reply.Tokens(tokens(value)), "");
                    done = true;
                } catch (RaftKvException ex) {
                    history.complete(p, Outcome.FAIL, null, Errors.fromLibrary(ex, false).reason());
                }
            }
            if (!done) {
                return false;
            }
        }
        return true;
    }

    static List<String> tokens(String value) {
        return Arrays.stream(value.split(",")).filter(t -> !t.isEmpty()).toList();
    }
}
