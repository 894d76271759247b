package io.raftkv.client;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Validated settings, built by {@link RaftKvClient.Builder}. See the builder for what each one means; {@code tls}
 * is null for plaintext, {@code credentials} null without auth (its toString hides the password).
 */
record ClientConfig(
        List<String> endpoints,
        Duration requestTimeout,
        Duration attemptTimeout,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffCap,
        int failuresToOpen,
        Duration openDuration,
        Duration keepAliveTime,
        Duration keepAliveTimeout,
        ReadConsistency defaultConsistency,
        Duration sessionTtl,
        boolean exactlyOnce,
        int scanPageSize,
        int maxInboundMessageBytes,
        TimeSource time,
        RandomGenerator random,
        Function<String, ManagedChannel> channelFactory,
        Scheduler scheduler,
        List<ClientInterceptor> interceptors,
        boolean batching,
        TlsOptions tls,
        Credentials credentials) {

    ClientConfig {
        endpoints = List.copyOf(endpoints);
        interceptors = List.copyOf(interceptors);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("give at least one endpoint (host:port)");
        }
        for (String e : endpoints) {
            checkHostPort(e);
        }
        positive(requestTimeout, "requestTimeout");
        positive(attemptTimeout, "attemptTimeout");
        positive(backoffBase, "backoffBase");
        positive(backoffCap, "backoffCap");
        positive(openDuration, "openDuration");
        positive(keepAliveTime, "keepAliveTime");
        positive(keepAliveTimeout, "keepAliveTimeout");
        positive(sessionTtl, "sessionTtl");
        if (backoffCap.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException("backoffCap " + backoffCap + " is below backoffBase " + backoffBase);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1 (1 = no retries), got " + maxAttempts);
        }
        if (failuresToOpen < 1) {
            throw new IllegalArgumentException("failuresToOpen must be >= 1, got " + failuresToOpen);
        }
        if (scanPageSize < 1) {
            throw new IllegalArgumentException("scanPageSize must be >= 1, got " + scanPageSize);
        }
        if (maxInboundMessageBytes < 1 << 20) {
            throw new IllegalArgumentException("maxInboundMessageBytes must be at least 1 MiB, got " + maxInboundMessageBytes);
        }
        if (sessionTtl.toMillis() < 1) {
            throw new IllegalArgumentException("sessionTtl must be at least 1 ms");
        }
        Objects.requireNonNull(defaultConsistency, "defaultConsistency");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(random, "random");
    }

    /**
     * A warning when this configuration sends a password where others can read it: credentials without TLS to an
     * endpoint that is not on this machine. Anyone on the path reads the password and the tokens issued for it.
     * Names other than {@code localhost} count as remote (resolving them here could block).
     */
    java.util.Optional<String> plaintextPasswordWarning() {
        if (credentials == null || tls != null) {
            return java.util.Optional.empty();
        }
        List<String> remote = endpoints.stream().filter(e -> !isLoopback(e.substring(0, e.lastIndexOf(':')))).toList();
        if (remote.isEmpty()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("the password of user '" + credentials.user() + "' is sent to " + String.join(", ", remote)
                + " without TLS: anyone on the network path can read it and the tokens issued for it; give the cluster's "
                + "CA with RaftKvClient.Builder.tls(...) (raftkv: --cacert)");
    }

    private static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.equalsIgnoreCase("localhost") || h.equals("::1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    /**
     * {@code host:port} from what a user may type: {@code http://host:port[/]} is the same address;
     * {@code https://} is refused: TLS needs its files, given with {@link RaftKvClient.Builder#tls(TlsOptions)}.
     */
    static String normalizeEndpoint(String s) {
        Objects.requireNonNull(s, "endpoint");
        String e = s.trim();
        String lower = e.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("https://")) {
            throw new IllegalArgumentException("endpoint '" + s + "' asks for TLS by its scheme: give host:port and the "
                    + "TLS files with RaftKvClient.Builder.tls(...)");
        }
        if (lower.startsWith("http://")) {
            e = e.substring("http://".length());
            if (e.endsWith("/")) {
                e = e.substring(0, e.length() - 1);
            }
        } else if (e.contains("://")) {
            throw new IllegalArgumentException("endpoint '" + s + "' has an unknown scheme; use host:port or http://host:port");
        }
        return checkHostPort(e);
    }

    static String checkHostPort(String s) {
        Objects.requireNonNull(s, "endpoint");
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("endpoint '" + s + "' is not host:port");
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("endpoint '" + s + "' has port " + port + " outside 1..65535");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint '" + s + "' has a non-numeric port", e);
        }
        return s;
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
