package io.raftkv.chaos;

import io.grpc.ClientInterceptor;
import io.raftkv.client.RaftKvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The client library as the library workloads use it: one {@link RaftKvClient} shared by their threads, as
 * an application would, seeded with every node's client address (nodes announce the same addresses, so
 * redirects name endpoints it knows). Its retries, redirects, breakers and sessions run unmodified; the
 * harness only records what each call finally reports.
 */
final class LibraryClient {
    private LibraryClient() {
    }

    /**
     * A call may retry for twice the raw workloads' operation timeout, each attempt taking at most one of
     * them: long enough to ride out an election, short enough that an operation's history stays readable.
     */
    static RaftKvClient build(Cluster cluster, Duration opTimeout, ClientInterceptor... interceptors) {
        List<String> endpoints = new ArrayList<>();
        cluster.nodes().forEach(n -> endpoints.add(cluster.clientAddress(n)));
        RaftKvClient.Builder b = RaftKvClient.builder().endpoints(endpoints)
                .requestTimeout(opTimeout.multipliedBy(2))
                .attemptTimeout(opTimeout)
                .interceptors(interceptors);
        return (cluster.clientTls() == null ? b : b.tls(cluster.clientTls())).build();
    }
}
