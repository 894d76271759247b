package io.raftkv.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything one node needs to start. Built by the CLI from flags and an optional config file; validated
 * here so that every entry point reports the same clear errors.
 *
 * @param nodeId          this node's id; must appear in {@code initialCluster}
 * @param clusterToken    distinguishes clusters with the same member list; part of the cluster id
 * @param initialCluster  founding members: id to host:port of their peer API
 * @param clientListen    host:port this node serves the client API on
 * @param peerListen      host:port this node serves peers on (defaults to its entry in initialCluster)
 * @param dataDir         where RocksDB and snapshots live
 * @param tick            one Raft tick of wall-clock time
 * @param electionTicks   election timeout in ticks (randomized up to twice that)
 * @param heartbeatTicks  heartbeat interval in ticks
 * @param limits          request size and load-shedding limits
 * @param requestTimeout  longest time a write or linearizable read may wait for the cluster
 * @param snapshotEvery   applied entries between automatic snapshots
 * @param retainEntries   log entries kept behind a snapshot for slow followers
 * @param unsafeLocalReads test-only: serve linearizable reads from the local replica without ReadIndex
 *                         (the chaos harness's negative control); never for production
 * @param clientAdvertise  host:port clients are told to use for this node (redirects, status); null means
 *                         {@code clientListen}, with its port as bound (so port 0 becomes the real one)
 * @param metricsListen    host:port of the Prometheus endpoint ({@code /metrics}); null: none
 * @param joinClusterId    0 for a founding member (the data directory is bootstrapped with
 *                         {@code initialCluster} as the first configuration); otherwise the id of the running
 *                         cluster this node joins after {@code member add} (etcd's
 *                         {@code --initial-cluster-state existing}): nothing is bootstrapped, the node waits
 *                         for the leader's snapshot, and {@code initialCluster} only tells it where its peers are
 * @param peerAddresses    how this node reaches members that are not in {@code initialCluster}, overriding the
 *                         address their membership change carried (NAT, split-horizon DNS, the chaos harness's
 *                         per-link proxies); never adds members
 * @param corruptionCheck  how often the leader compares the members' state hashes (etcd's corruption check);
 *                         zero: never on its own (Cluster.CheckState still runs one)
 * @param space            the space quota and the free disk a member must keep (the NOSPACE alarm)
 * @param security         TLS on the client and peer ports (README "Securing a cluster"); plaintext by default
 */
public record ServerConfig(
        long nodeId,
        String clusterToken,
        SortedMap<Long, String> initialCluster,
        String clientListen,
        String peerListen,
        Path dataDir,
        Duration tick,
        int electionTicks,
        int heartbeatTicks,
        Limits limits,
        Duration requestTimeout,
        long snapshotEvery,
        long retainEntries,
        boolean unsafeLocalReads,
        String clientAdvertise,
        String metricsListen,
        long joinClusterId,
        SortedMap<Long, String> peerAddresses,
        Duration corruptionCheck,
        Space space,
        Security security) {

    /**
     * TLS of the node's listeners; {@link #PLAINTEXT} (the default, for local use) has none.
     *
     * @param client          the client port's certificate, key and optionally the CA of client certificates;
     *                        the metrics and health endpoint then serves HTTPS with the same files
     * @param clientCertAuth  clients (and metrics scrapers) must present a certificate from the client CA
     * @param peer            the peer port's certificate, key and CA: peers always authenticate each other,
     *                        each certificate naming its member ({@code urn:raftkv:member:<id>})
     * @param authTokenTtl    how long a token from Auth.Authenticate is valid (users and roles: README
     *                        "Users and roles")
     */
    public record Security(io.raftkv.server.transport.TlsFiles client, boolean clientCertAuth,
                           io.raftkv.server.transport.TlsFiles peer, Duration authTokenTtl) {
        /** How long an auth token is valid (etcd's simple tokens: 5 minutes). */
        public static final Duration DEFAULT_AUTH_TOKEN_TTL = Duration.ofMinutes(5);
        public static final Security PLAINTEXT = new Security(null, false, null);

        public Security(io.raftkv.server.transport.TlsFiles client, boolean clientCertAuth,
                        io.raftkv.server.transport.TlsFiles peer) {
            this(client, clientCertAuth, peer, DEFAULT_AUTH_TOKEN_TTL);
        }

        /** The same settings with auth tokens valid for {@code ttl}. */
        public Security withAuthTokenTtl(Duration ttl) {
            return new Security(client, clientCertAuth, peer, ttl);
        }

        public Security {
            authTokenTtl = authTokenTtl == null ? DEFAULT_AUTH_TOKEN_TTL : authTokenTtl;
            if (authTokenTtl.toMillis() < 1 || authTokenTtl.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("--auth-token-ttl must be between 1 ms and 1 day, got " + authTokenTtl);
            }
            if (clientCertAuth && (client == null || client.trustedCaFile() == null)) {
                throw new IllegalArgumentException("--client-cert-auth needs --cert-file, --key-file and --trusted-ca-file");
            }
            if (peer != null && peer.trustedCaFile() == null) {
                throw new IllegalArgumentException("peer TLS is always mutual: --peer-cert-file and --peer-key-file need "
                        + "--peer-trusted-ca-file");
            }
        }
    }

    /**
     * When a member raises NOSPACE (etcd's space quota, which etcd only clears by hand): its state (keys,
     * values, sessions) above {@code quotaBytes}, or less than {@code minFreeDiskBytes} left on the disk
     * of its data directory. The alarm clears by itself below 95% of the quota with the disk free again.
     */
    public record Space(long quotaBytes, long minFreeDiskBytes) {
        public static Space defaults() {
            return new Space(8L << 30, 256L << 20);
        }

        public Space {
            if (quotaBytes <= 0 || minFreeDiskBytes < 0) {
                throw new IllegalArgumentException("--quota-backend-bytes must be positive and --min-free-disk-bytes "
                        + "non-negative, got " + quotaBytes + " and " + minFreeDiskBytes);
            }
        }
    }

    /**
     * Applied entries between snapshots, etcd's default since 3.2: every snapshot writes the whole state (a
     * 100k-key state is ~28 MB), which at 10,000 took 8% of a busy leader's CPU, on every member; the log
     * behind it stays in RocksDB and costs disk, not memory.
     */
    public static final long DEFAULT_SNAPSHOT_EVERY = 100_000;

    /** The default corruption check interval: hashing a few hundred MB of state every few minutes is cheap. */
    public static final Duration DEFAULT_CORRUPTION_CHECK = Duration.ofMinutes(5);

    /** Request limits (etcd-style: explicit, reported with the actual size in every rejection). */
    public record Limits(int maxKeyBytes, int maxValueBytes, int maxRequestBytes, int maxScanLimit,
                         int maxPendingRequests, long maxPendingBytes) {
        public static Limits defaults() {
            return new Limits(4 << 10, 1 << 20, 2 << 20, 10_000, 10_000, 256L << 20);
        }

        public Limits {
            if (maxKeyBytes <= 0 || maxValueBytes <= 0 || maxRequestBytes <= 0 || maxScanLimit <= 0
                    || maxPendingRequests <= 0 || maxPendingBytes <= 0) {
                throw new IllegalArgumentException("limits must be positive: " + this);
            }
            if (maxKeyBytes > maxRequestBytes) {
                throw new IllegalArgumentException("max key size " + maxKeyBytes + " exceeds max request size " + maxRequestBytes);
            }
        }
    }

    /** A founding member's configuration (the form most callers and tests use). */
    public ServerConfig(long nodeId, String clusterToken, SortedMap<Long, String> initialCluster, String clientListen,
                        String peerListen, Path dataDir, Duration tick, int electionTicks, int heartbeatTicks, Limits limits,
                        Duration requestTimeout, long snapshotEvery, long retainEntries, boolean unsafeLocalReads,
                        String clientAdvertise, String metricsListen) {
        this(nodeId, clusterToken, initialCluster, clientListen, peerListen, dataDir, tick, electionTicks, heartbeatTicks,
                limits, requestTimeout, snapshotEvery, retainEntries, unsafeLocalReads, clientAdvertise, metricsListen, 0,
                new TreeMap<>());
    }

    /** All but the newest settings, which take their defaults. */
    public ServerConfig(long nodeId, String clusterToken, SortedMap<Long, String> initialCluster, String clientListen,
                        String peerListen, Path dataDir, Duration tick, int electionTicks, int heartbeatTicks, Limits limits,
                        Duration requestTimeout, long snapshotEvery, long retainEntries, boolean unsafeLocalReads,
                        String clientAdvertise, String metricsListen, long joinClusterId, SortedMap<Long, String> peerAddresses) {
        this(nodeId, clusterToken, initialCluster, clientListen, peerListen, dataDir, tick, electionTicks, heartbeatTicks,
                limits, requestTimeout, snapshotEvery, retainEntries, unsafeLocalReads, clientAdvertise, metricsListen,
                joinClusterId, peerAddresses, DEFAULT_CORRUPTION_CHECK, Space.defaults());
    }

    /** All but the TLS settings, which are off (plaintext). */
    public ServerConfig(long nodeId, String clusterToken, SortedMap<Long, String> initialCluster, String clientListen,
                        String peerListen, Path dataDir, Duration tick, int electionTicks, int heartbeatTicks, Limits limits,
                        Duration requestTimeout, long snapshotEvery, long retainEntries, boolean unsafeLocalReads,
                        String clientAdvertise, String metricsListen, long joinClusterId, SortedMap<Long, String> peerAddresses,
                        Duration corruptionCheck, Space space) {
        this(nodeId, clusterToken, initialCluster, clientListen, peerListen, dataDir, tick, electionTicks, heartbeatTicks,
                limits, requestTimeout, snapshotEvery, retainEntries, unsafeLocalReads, clientAdvertise, metricsListen,
                joinClusterId, peerAddresses, corruptionCheck, space, Security.PLAINTEXT);
    }

    public ServerConfig {
        Objects.requireNonNull(clusterToken, "clusterToken");
        peerAddresses = Collections.unmodifiableSortedMap(new TreeMap<>(peerAddresses == null ? Map.of() : peerAddresses));
        for (var e : peerAddresses.entrySet()) {
            if (e.getKey() <= 0 || e.getKey() == nodeId) {
                throw new IllegalArgumentException("--peer-addresses names node " + e.getKey()
                        + (e.getKey() <= 0 ? ": ids must be positive" : ": that is this node"));
            }
            HostPort.parse(e.getValue(), "--peer-addresses entry for node " + e.getKey());
        }
        if (joinClusterId < 0) {
            throw new IllegalArgumentException("--cluster-id must be a positive hex id, got " + Long.toHexString(joinClusterId));
        }
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(limits, "limits");
        initialCluster = Collections.unmodifiableSortedMap(new TreeMap<>(initialCluster));
        if (initialCluster.isEmpty()) {
            throw new IllegalArgumentException("--initial-cluster is empty: give id=host:port for every founding member");
        }
        if (!initialCluster.containsKey(nodeId)) {
            throw new IllegalArgumentException("node id " + nodeId + " is not in --initial-cluster " + initialCluster.keySet());
        }
        for (var e : initialCluster.entrySet()) {
            if (e.getKey() <= 0) {
                throw new IllegalArgumentException("node ids must be positive, got " + e.getKey());
            }
            HostPort.parse(e.getValue(), "--initial-cluster entry for node " + e.getKey());
        }
        HostPort.parse(clientListen, "--client-addr");
        if (clientAdvertise != null) {
            HostPort a = HostPort.parse(clientAdvertise, "--advertise-client-addr");
            if (a.port() == 0 || a.host().equals("0.0.0.0") || a.host().equals("::")) {
                throw new IllegalArgumentException("--advertise-client-addr must be an address clients can reach, got "
                        + clientAdvertise);
            }
        }
        if (metricsListen != null) {
            HostPort.parse(metricsListen, "--metrics-addr");
        }
        peerListen = peerListen == null ? initialCluster.get(nodeId) : peerListen;
        HostPort.parse(peerListen, "--peer-addr");
        if (tick.isNegative() || tick.isZero()) {
            throw new IllegalArgumentException("--tick must be positive, got " + tick);
        }
        if (heartbeatTicks <= 0 || electionTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("--election-ticks (" + electionTicks + ") must exceed --heartbeat-ticks ("
                    + heartbeatTicks + "), and both must be positive");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("--request-timeout must be positive, got " + requestTimeout);
        }
        if (snapshotEvery <= 0 || retainEntries < 0) {
            throw new IllegalArgumentException("--snapshot-every must be positive and --retain-entries non-negative");
        }
        corruptionCheck = corruptionCheck == null ? DEFAULT_CORRUPTION_CHECK : corruptionCheck;
        space = space == null ? Space.defaults() : space;
        security = security == null ? Security.PLAINTEXT : security;
        if (corruptionCheck.isNegative()) {
            throw new IllegalArgumentException("--corruption-check-interval must not be negative, got " + corruptionCheck);
        }
    }

    /** Defaults for a node: 100 ms ticks, 1 s election timeout, 5 s request timeout. */
    public static ServerConfig of(long nodeId, SortedMap<Long, String> initialCluster, String clientListen, Path dataDir) {
        return new ServerConfig(nodeId, "raftkv", initialCluster, clientListen, null, dataDir, Duration.ofMillis(100),
                10, 1, Limits.defaults(), Duration.ofSeconds(5), DEFAULT_SNAPSHOT_EVERY, 5_000, false, null, null);
    }

    /** This configuration in the cluster named by {@code token} (a restored data directory names its own: {@link RestoredCluster}). */
    public ServerConfig withClusterToken(String token) {
        return new ServerConfig(nodeId, token, initialCluster, clientListen, peerListen, dataDir, tick, electionTicks,
                heartbeatTicks, limits, requestTimeout, snapshotEvery, retainEntries, unsafeLocalReads, clientAdvertise,
                metricsListen, joinClusterId, peerAddresses, corruptionCheck, space, security);
    }

    /** The same configuration with another space quota and free-disk floor. */
    public ServerConfig withSpace(Space newSpace) {
        return new ServerConfig(nodeId, clusterToken, initialCluster, clientListen, peerListen, dataDir, tick, electionTicks,
                heartbeatTicks, limits, requestTimeout, snapshotEvery, retainEntries, unsafeLocalReads, clientAdvertise,
                metricsListen, joinClusterId, peerAddresses, corruptionCheck, newSpace, security);
    }

    /** The same configuration with the corruption check every {@code interval} (zero: only on request). */
    public ServerConfig withCorruptionCheck(Duration interval) {
        return new ServerConfig(nodeId, clusterToken, initialCluster, clientListen, peerListen, dataDir, tick, electionTicks,
                heartbeatTicks, limits, requestTimeout, snapshotEvery, retainEntries, unsafeLocalReads, clientAdvertise,
                metricsListen, joinClusterId, peerAddresses, interval, space, security);
    }

    /**
     * A stable id for the cluster, the same on every founding member: derived from the token and the
     * member ids, so a node started with another cluster's token or members refuses the data directory.
     * Addresses are left out on purpose: each node may reach its peers by other addresses (NAT, DNS
     * aliases, the chaos harness's fault proxies). Give every cluster its own {@code --cluster-token}.
     * A node that joined a running cluster was given the id ({@code --cluster-id}).
     */
    public long clusterId() {
        if (joinClusterId != 0) {
            return joinClusterId;
        }
        long h = 0xcbf29ce484222325L;
        String s = clusterToken + "|" + initialCluster.keySet();
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h & Long.MAX_VALUE;
    }

    /** Whether this node joins a running cluster instead of founding one. */
    public boolean joining() {
        return joinClusterId != 0;
    }

    /** The same configuration, joining the running cluster {@code clusterId}. */
    public ServerConfig joiningCluster(long clusterId) {
        return new ServerConfig(nodeId, clusterToken, initialCluster, clientListen, peerListen, dataDir, tick, electionTicks,
                heartbeatTicks, limits, requestTimeout, snapshotEvery, retainEntries, unsafeLocalReads, clientAdvertise,
                metricsListen, clusterId, peerAddresses, corruptionCheck, space, security);
    }

    /** The same configuration with {@code addresses} as the --peer-addresses overrides. */
    public ServerConfig withPeerAddresses(SortedMap<Long, String> addresses) {
        return new ServerConfig(nodeId, clusterToken, initialCluster, clientListen, peerListen, dataDir, tick, electionTicks,
                heartbeatTicks, limits, requestTimeout, snapshotEvery, retainEntries, unsafeLocalReads, clientAdvertise,
                metricsListen, joinClusterId, addresses, corruptionCheck, space, security);
    }

    /** The same configuration with TLS set as {@code newSecurity} says. */
    public ServerConfig withSecurity(Security newSecurity) {
        return new ServerConfig(nodeId, clusterToken, initialCluster, clientListen, peerListen, dataDir, tick, electionTicks,
                heartbeatTicks, limits, requestTimeout, snapshotEvery, retainEntries, unsafeLocalReads, clientAdvertise,
                metricsListen, joinClusterId, peerAddresses, corruptionCheck, space, newSecurity);
    }

    /** Warnings worth logging at start: not errors, but rarely what the operator meant. */
    public List<String> warnings() {
        List<String> w = new ArrayList<>();
        if (initialCluster.size() % 2 == 0 && joinClusterId == 0) {
            w.add("the cluster has an even number of members (" + initialCluster.size() + "): it tolerates no more "
                    + "failures than " + (initialCluster.size() - 1) + " members would");
        }
        if (unsafeLocalReads) {
            w.add("UNSAFE: linearizable reads are served from the local replica without ReadIndex (test-only flag)");
        }
        if (security.client() == null && !HostPort.parse(clientListen, "--client-addr").loopback()) {
            w.add("the client API listens on " + clientListen + " in plaintext: anyone who reaches it reads and writes "
                    + "every key; give --cert-file and --key-file (README, 'Securing a cluster')");
        }
        if (security.peer() == null && !HostPort.parse(peerListen, "--peer-addr").loopback()) {
            w.add("the peer port listens on " + peerListen + " in plaintext: anyone who reaches it can forge Raft "
                    + "messages and take the cluster over; give --peer-cert-file, --peer-key-file and "
                    + "--peer-trusted-ca-file (README, 'Securing a cluster')");
        }
        return w;
    }

    /** A parsed host:port. */
    public record HostPort(String host, int port) {
        public static HostPort parse(String s, String what) {
            if (s == null || s.isBlank()) {
                throw new IllegalArgumentException(what + " is missing (expected host:port)");
            }
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException(what + " '" + s + "' is not host:port");
            }
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + " '" + s + "' has a non-numeric port");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(what + " '" + s + "' has port " + port + " outside 0..65535");
            }
            return new HostPort(s.substring(0, colon), port);
        }

        /** Whether only this machine can connect: a loopback literal or {@code localhost} (wildcards are not). */
        public boolean loopback() {
            String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return h.equalsIgnoreCase("localhost") || h.startsWith("127.") || h.equals("::1");
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }
}
