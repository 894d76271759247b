package io.raftkv.chaos;

import io.raftkv.client.RaftKvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The workloads of one run and the client-library clients they share: registers through the raw stubs
 * and through the library (split as {@link LibraryOptions#registerClient()} says, on the same keys), the
 * set, and the counters through library sessions (with lost answers injected, and in broken mode their
 * retries stripped of the session).
 */
final class Workloads implements AutoCloseable {
    /** Share of the counters' session CAS answers lost after the server applied the request. */
    static final double LOST_ANSWERS = 0.05;

    private final List<Workload> all = new ArrayList<>();
    private final List<RaftKvClient> libraryClients = new ArrayList<>();
    private SetWorkload set;
    private CounterWorkload counters;
    private ResponseFaults faults;

    private Workloads() {
    }

    static Workloads create(RunOptions o, Cluster cluster, Clients clients, History history) {
        Workloads w = new Workloads();
        try {
            w.build(o, cluster, clients, history);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        return w;
    }

    private void build(RunOptions o, Cluster cluster, Clients clients, History history) {
        RegisterOps ops = new RegisterOps(new KeyPool("r" + o.seed() + "-", 8, 120, 6));
        int raw = o.library().rawThreads(o.clients());
        int library = o.clients() - raw;
        if (raw > 0) {
            all.add(new RegisterWorkload(clients, history, ops, raw, o.rate() * raw / o.clients(), o.opTimeout(), 0.3,
                    o.seed()));
        }
        if (library > 0) {
            all.add(new LibraryRegisterWorkload(client(cluster, o.opTimeout()), history, ops, library,
                    o.rate() * library / o.clients(), o.seed()));
        }
        if (o.setClients() > 0) {
            set = new SetWorkload(clients, history, "s" + o.seed(), o.setClients(), o.setRate(), o.opTimeout(), o.seed());
            all.add(set);
        }
        LibraryOptions l = o.library();
        if (l.counterClients() > 0) {
            faults = new ResponseFaults(LOST_ANSWERS, l.brokenSessions(), o.seed());
            counters = new CounterWorkload(client(cluster, o.opTimeout(), faults), history, "c" + o.seed() + "-",
                    Math.max(1, l.counterClients() / 2), l.counterClients(), l.counterRate(), o.opTimeout().multipliedBy(3),
                    o.seed());
            all.add(counters);
        }
    }

    private RaftKvClient client(Cluster cluster, Duration opTimeout, io.grpc.ClientInterceptor... interceptors) {
        RaftKvClient c = LibraryClient.build(cluster, opTimeout, interceptors);
        libraryClients.add(c);
        return c;
    }

    void start() {
        all.forEach(Workload::start);
    }

    void stop() {
        all.forEach(Workload::stop);
    }

    /** The reads after healing that the set and counter checks need; a problem for each one that failed. */
    List<String> finalReads(Duration within) {
        List<String> problems = new ArrayList<>();
        if (set != null && !set.finalRead(within)) {
            problems.add("the final read of the set did not succeed within " + within.toSeconds() + " s");
        }
        if (counters != null && !counters.finalRead(within)) {
            problems.add("the final read of the counters did not succeed within " + within.toSeconds() + " s");
        }
        return problems;
    }

    /** What the counters' client-side faults injected; null without the counter workload. */
    ResponseFaults.Counts injected() {
        return faults == null ? null : faults.counts();
    }

    /** Closes the library clients, and with them the workers' sessions. */
    @Override
    public void close() {
        libraryClients.forEach(RaftKvClient::close);
    }
}
