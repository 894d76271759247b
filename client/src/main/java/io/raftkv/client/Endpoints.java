package io.raftkv.client;

import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The endpoints the client knows, the cached leader, and endpoint selection: leader-bound calls go to the
 * cached leader, or to any node (which redirects) when none is known; node-local reads rotate round-robin
 * over the endpoints whose circuit breaker admits a request.
 */
final class Endpoints {
    /** JDK platform logging: the client forces no logging backend on the application (SLF4J users bridge it). */
    private static final System.Logger LOG = System.getLogger(Endpoints.class.getName());

    private final ClientConfig config;
    private final Function<String, ManagedChannel> channelFactory;
    private final Map<String, Endpoint> byAddress = new LinkedHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    /** Copy-on-write view of {@link #byAddress} for lock-free selection. */
    private volatile List<Endpoint> list = List.of();
    private volatile Endpoint leader;
    private boolean closed;

    Endpoints(ClientConfig config, Function<String, ManagedChannel> channelFactory) {
        this.config = config;
        this.channelFactory = channelFactory;
        for (String a : config.endpoints()) {
            byAddress.putIfAbsent(a, new Endpoint(a, true, config, channelFactory));
        }
        list = List.copyOf(byAddress.values());
    }

    List<Endpoint> all() {
        return list;
    }

    Endpoint leader() {
        return leader;
    }

    void leaderIs(Endpoint e) {
        if (leader != e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "leader is now " + e);
            leader = e;
        }
    }

    /** Forgets the cached leader if it is still {@code e} (another call may have learned a newer one). */
    void forgetLeader(Endpoint e) {
        if (e != null && leader == e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "forgetting leader " + e);
            leader = null;
        }
    }

    /** The endpoint for {@code address}, added (as learned) if new; null once closed. */
    synchronized Endpoint learn(String address) {
        if (closed) {
            return null;
        }
        Endpoint e = byAddress.get(address);
        if (e == null) {
            ClientConfig.checkHostPort(address);
            e = new Endpoint(address, false, config, channelFactory);
            byAddress.put(address, e);
            list = List.copyOf(byAddress.values());
            LOG.log(System.Logger.Level.DEBUG, () -> "learned endpoint " + address);
        }
        return e;
    }

    /**
     * Drops learned endpoints whose address is no longer a member's and closes their channels. Seeds stay:
     * the application named them, and they are how the client finds the cluster again.
     */
    void retainLearned(Collection<String> memberAddresses) {
        List<Endpoint> dropped = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            byAddress.values().removeIf(e -> {
                boolean drop = !e.seed && !memberAddresses.contains(e.address);
                if (drop) {
                    dropped.add(e);
                }
                return drop;
            });
            if (!dropped.isEmpty()) {
                list = List.copyOf(byAddress.values());
            }
        }
        for (Endpoint e : dropped) {
            LOG.log(System.Logger.Level.INFO, () -> "closing the channel to " + e + ": no longer a cluster member");
            forgetLeader(e);
            e.shutdownNow();
        }
    }

    /**
     * Where to send the next attempt. For a leader-bound call: the cached leader if its breaker admits a
     * request, else any endpoint. Endpoints in {@code avoid} (failed earlier in this call) are used only when
     * nothing else admits a request. Null when every breaker refuses: the attempt fails without I/O.
     */
    Endpoint pick(boolean leaderBound, Set<Endpoint> avoid) {
        if (leaderBound) {
            Endpoint l = leader;
            if (l != null && !avoid.contains(l)) {
                if (l.breaker.tryAcquire()) {
                    return l;
                }
                forgetLeader(l);
            }
        }
        List<Endpoint> all = list;
        int n = all.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < n; i++) {
                Endpoint e = all.get((start + i) % n);
                if ((pass == 0) == avoid.contains(e)) {
                    continue;
                }
                if (e.breaker.tryAcquire()) {
                    return e;
                }
            }
        }
        return null;
    }

    /** Marks the set closed and starts closing every channel. */
    List<Endpoint> close() {
        synchronized (this) {
            closed = true;
        }
        List<Endpoint> all = list;
        all.forEach(Endpoint::shutdownNow);
        return all;
    }
}
