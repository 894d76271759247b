package io.raftkv.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.raftkv.proto.KVGrpc;
import io.raftkv.storage.Alarm;
import io.raftkv.storage.RaftStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What the node says about its own health, the same on every channel: gRPC's {@code grpc.health.v1}
 * (service "" and {@code raftkv.v1.KV}) and HTTP {@code /livez}, {@code /readyz} and etcd's {@code /health}
 * on the metrics port.
 * <ul>
 *   <li><b>live</b>: the process runs and its disk takes a synced write (probed every
 *       {@link #PROBE_EVERY}); a failed write path is reported, never hidden;</li>
 *   <li><b>ready</b>: live, a member with a known leader, not removed or replaced, no CORRUPT or NOSPACE
 *       alarm about it, and caught up: a linearizable read barrier (the leader's commit index, then this
 *       node's apply reaching it) completes within {@link #CAUGHT_UP_WITHIN}.</li>
 * </ul>
 * Losing the leader turns gRPC health NOT_SERVING at once ({@link #leaderLost}, from the raft thread),
 * not at the next poll.
 */
final class NodeHealth implements HttpHandler {
    static final Duration PROBE_EVERY = Duration.ofSeconds(5);
    static final Duration CAUGHT_UP_WITHIN = Duration.ofSeconds(2);
    /** How often the catch-up check runs a read barrier (each is a ReadIndex round shared with client reads). */
    static final Duration CATCH_UP_EVERY = Duration.ofSeconds(1);

    /** One named check and why it failed. */
    record Check(String name, boolean ok, String detail) {
    }

    record Report(boolean live, boolean ready, List<Check> checks) {
        String json() {
            StringBuilder b = new StringBuilder("{\"live\":").append(live).append(",\"ready\":").append(ready)
                    .append(",\"checks\":[");
            for (int i = 0; i < checks.size(); i++) {
                Check c = checks.get(i);
                b.append(i == 0 ? "" : ",").append("{\"name\":\"").append(c.name).append("\",\"ok\":").append(c.ok)
                        .append(",\"detail\":\"").append(escape(c.detail)).append("\"}");
            }
            return b.append("]}").toString();
        }

        String failures() {
            return String.join("; ", checks.stream().filter(c -> !c.ok).map(c -> c.name + ": " + c.detail).toList());
        }
    }

    private final long nodeId;
    private final RaftNode node;
    private final RaftStore store;
    private final HealthStatusManager grpc;
    private volatile Report last;
    // updater thread only
    private long lastProbeNanos;
    private CompletableFuture<Long> barrier;
    private long barrierStartedNanos;
    private volatile boolean caughtUp;
    private volatile String lagDetail = "not checked yet";

    NodeHealth(long nodeId, RaftNode node, RaftStore store, HealthStatusManager grpc) {
        this.nodeId = nodeId;
        this.node = node;
        this.store = store;
        this.grpc = grpc;
        this.last = new Report(true, false, List.of(new Check("started", false, "starting")));
        this.lastProbeNanos = System.nanoTime() - PROBE_EVERY.toNanos();
    }

    Report report() {
        return last;
    }

    /** The raft thread saw the leader go: clients must be turned away now, not at the next poll. */
    void leaderLost() {
        grpc.setStatus("", ServingStatus.NOT_SERVING);
        grpc.setStatus(KVGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
    }

    /** Periodic, on one updater thread: probes, checks and publishes. */
    void refresh() {
        long now = System.nanoTime();
        if (now - lastProbeNanos >= PROBE_EVERY.toNanos()) {
            lastProbeNanos = now;
            try {
                store.probeWrite();
            } catch (RuntimeException e) {
                // Recorded by the store as its failure; reported below.
            }
        }
        trackCatchUp(now);
        Report r = evaluate();
        last = r;
        ServingStatus s = r.ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        grpc.setStatus("", s);
        grpc.setStatus(KVGrpc.SERVICE_NAME, s);
    }

    private void trackCatchUp(long now) {
        if (barrier != null && barrier.isDone()) {
            caughtUp = !barrier.isCompletedExceptionally();
            lagDetail = caughtUp ? "applied the leader's commit index within " + millis(now - barrierStartedNanos)
                    : "read barrier failed: " + barrier.handle((v, t) -> String.valueOf(t == null ? null : t.getMessage())).join();
            barrier = null;
        } else if (barrier != null && now - barrierStartedNanos > CAUGHT_UP_WITHIN.toNanos()) {
            caughtUp = false;
            lagDetail = "has not applied the leader's commit index within " + CAUGHT_UP_WITHIN.toMillis() + " ms";
        }
        if (barrier == null && now - barrierStartedNanos >= CATCH_UP_EVERY.toNanos() && node.status().leaderId() != 0
                && node.outOfService() == null && node.halted() == null) {
            barrierStartedNanos = now;
            barrier = node.readBarrier(CAUGHT_UP_WITHIN.multipliedBy(2));
        }
    }

    private Report evaluate() {
        List<Check> checks = new ArrayList<>();
        String failure = node.halted() != null ? node.halted().getMessage()
                : store.failure().map(Throwable::toString).orElse(null);
        checks.add(new Check("storage", failure == null, failure == null ? "takes synced writes" : failure));
        RaftNode.NodeStatus s = node.status();
        checks.add(new Check("leader", s.leaderId() != 0, s.leaderId() != 0 ? "node " + s.leaderId() : "no leader known"));
        NodeException gone = node.removed();
        checks.add(new Check("member", gone == null, gone == null ? "in the configuration" : gone.getMessage()));
        List<Alarm> mine = store.stateMachine().alarms().stream().filter(a -> a.member() == 0 || a.member() == nodeId).toList();
        checks.add(new Check("alarms", mine.isEmpty(), mine.isEmpty() ? "none"
                : String.join("; ", mine.stream().map(a -> a.type() + ": " + a.detail()).toList())));
        checks.add(new Check("caught_up", caughtUp, lagDetail));
        boolean live = failure == null;
        boolean ready = checks.stream().allMatch(Check::ok);
        return new Report(live, ready, List.copyOf(checks));
    }

    // ------------------------------------------------------------------ HTTP (metrics port)

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            Report r = last;
            boolean json = wantsJson(ex);
            switch (path) {
                case "/livez" -> answer(ex, r.live, json ? r.json() : r.live ? "ok\n" : "not live: " + r.failures() + "\n", json);
                case "/readyz" -> answer(ex, r.ready, json ? r.json() : r.ready ? "ok\n" : "not ready: " + r.failures() + "\n", json);
                // etcd's /health, for tools that know it.
                case "/health" -> answer(ex, r.ready, "{\"health\":\"" + r.ready + "\",\"reason\":\"" + escape(r.failures())
                        + "\"}", true);
                default -> send(ex, 404, "no such path: " + path + " (try /metrics, /livez, /readyz, /health)\n", false);
            }
        }
    }

    private static boolean wantsJson(HttpExchange ex) {
        String q = ex.getRequestURI().getQuery();
        String accept = ex.getRequestHeaders().getFirst("Accept");
        return (q != null && (q.contains("verbose") || q.contains("format=json")))
                || (accept != null && accept.contains("application/json"));
    }

    private static void answer(HttpExchange ex, boolean ok, String body, boolean json) throws IOException {
        send(ex, ok ? 200 : 503, body, json);
    }

    private static void send(HttpExchange ex, int code, String body, boolean json) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", json ? "application/json" : "text/plain; charset=utf-8");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return b.toString();
    }

    private static String millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
    }
}
