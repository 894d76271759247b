package io.raftkv.server.cli;

import io.raftkv.launcher.Units;
import io.raftkv.server.RaftKvServer;
import io.raftkv.server.ServerConfig;
import io.raftkv.server.transport.TlsFiles;
import io.raftkv.storage.StorageException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * {@code raftkv server}: one node in the foreground until SIGTERM/SIGINT, which shuts it down gracefully.
 *
 * <p>Option fields are boxed and null when not given (neither flag nor config file), so the defaults stay
 * in one place, {@link ServerConfig#of}, instead of being copied into annotations here.
 */
@Command(name = "server", sortOptions = false, usageHelpAutoWidth = true,
        description = "Run one node in the foreground. Flags override the --config file.")
final class ServerCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Option(names = "--id", paramLabel = "N", description = "This node's id (must be in --initial-cluster; required unless in --config).")
    Long id;

    @Option(names = "--initial-cluster", paramLabel = "ID=HOST:PORT,...",
            description = "Founding members and their peer addresses, e.g. 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 "
                    + "(required unless in --config).")
    String initialCluster;

    @Option(names = "--join", paramLabel = "CLUSTER_ID",
            description = "Join the running cluster with this id (hex, as printed by 'raftkv member add') instead of "
                    + "founding one: nothing is bootstrapped and the node gets its state from the leader. "
                    + "--initial-cluster then lists the current members and this node.")
    String join;

    @Option(names = "--peer-addresses", paramLabel = "ID=HOST:PORT,...",
            description = "How this node reaches members that are not in --initial-cluster, overriding the address their "
                    + "'member add' gave (NAT, split-horizon DNS). Adds no members.")
    String peerAddresses;

    @Option(names = "--client-addr", paramLabel = "HOST:PORT", description = "Address of the client API (required unless in --config).")
    String clientAddr;

    @Option(names = "--advertise-client-addr", paramLabel = "HOST:PORT",
            description = "Client address this node tells clients and peers (in NOT_LEADER redirects and status) when it "
                    + "differs from --client-addr: NAT, published container ports, 0.0.0.0 listeners (default: --client-addr).")
    String advertiseClientAddr;

    @Option(names = "--metrics-addr", paramLabel = "HOST:PORT",
            description = "Serve Prometheus metrics on http://HOST:PORT/metrics (default: off).")
    String metricsAddr;

    @Option(names = "--peer-addr", paramLabel = "HOST:PORT",
            description = "Address to serve peers on (default: this node's --initial-cluster entry).")
    String peerAddr;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the log, state and snapshots live (required unless in --config).")
    Path dataDir;

    @Option(names = "--cluster-token", paramLabel = "T",
            description = "Tells apart clusters with the same member list (default: raftkv).")
    String clusterToken;

    @Option(names = "--tick", paramLabel = "DURATION", description = "One Raft tick (default: 100ms).")
    Duration tick;

    @Option(names = "--election-ticks", paramLabel = "N", description = "Election timeout in ticks (default: 10).")
    Integer electionTicks;

    @Option(names = "--heartbeat-ticks", paramLabel = "N", description = "Heartbeat interval in ticks (default: 1).")
    Integer heartbeatTicks;

    @Option(names = "--request-timeout", paramLabel = "DURATION",
            description = "Longest wait of a write or linearizable read for the cluster (default: 5s).")
    Duration requestTimeout;

    @Option(names = "--max-key-bytes", paramLabel = "SIZE", converter = IntSize.class,
            description = "Largest key (default: 4KiB).")
    Integer maxKeyBytes;

    @Option(names = "--max-value-bytes", paramLabel = "SIZE", converter = IntSize.class,
            description = "Largest value (default: 1MiB).")
    Integer maxValueBytes;

    @Option(names = "--max-request-bytes", paramLabel = "SIZE", converter = IntSize.class,
            description = "Largest request (default: 2MiB).")
    Integer maxRequestBytes;

    @Option(names = "--max-scan-limit", paramLabel = "N", description = "Largest scan page (default: 10000).")
    Integer maxScanLimit;

    @Option(names = "--max-pending-requests", paramLabel = "N",
            description = "Proposals in flight before shedding load (default: 10000).")
    Integer maxPendingRequests;

    @Option(names = "--max-pending-bytes", paramLabel = "SIZE", converter = LongSize.class,
            description = "Proposal bytes in flight before shedding load (default: 256MiB).")
    Long maxPendingBytes;

    @Option(names = "--snapshot-every", paramLabel = "N",
            description = "Applied entries between snapshots (default: 100000).")
    Long snapshotEvery;

    @Option(names = "--retain-entries", paramLabel = "N",
            description = "Log entries kept behind a snapshot for slow followers (default: 5000).")
    Long retainEntries;

    @Option(names = "--quota-backend-bytes", paramLabel = "SIZE", converter = LongSize.class,
            description = "State size (keys, values, sessions) past which writes are refused with the NOSPACE alarm "
                    + "until space is freed (default: 8GiB).")
    Long quotaBackendBytes;

    @Option(names = "--min-free-disk-bytes", paramLabel = "SIZE", converter = LongSize.class,
            description = "Free disk below which the NOSPACE alarm is raised (default: 256MiB).")
    Long minFreeDiskBytes;

    @Option(names = "--corruption-check-interval", paramLabel = "DURATION",
            description = "How often the leader compares the members' state hashes; 0 = only on request (default: 5m).")
    Duration corruptionCheck;

    @Option(names = "--cert-file", paramLabel = "FILE",
            description = "PEM certificate (chain) of the client API: with --key-file, clients and the metrics endpoint "
                    + "(HTTPS) talk TLS (default: plaintext). Re-read when it changes.")
    Path certFile;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "PEM private key (PKCS#8) of --cert-file.")
    Path keyFile;

    @Option(names = "--trusted-ca-file", paramLabel = "FILE",
            description = "PEM CA bundle that client certificates must come from (checked when a client offers one).")
    Path trustedCaFile;

    @Option(names = "--client-cert-auth",
            description = "Require a client certificate from --trusted-ca-file on the client API and the metrics endpoint.")
    boolean clientCertAuth;

    @Option(names = "--auth-token-ttl", paramLabel = "DURATION",
            description = "How long a token from 'raftkv auth' login (Auth.Authenticate) is valid; clients renew it "
                    + "transparently (default: 5m).")
    Duration authTokenTtl;

    @Option(names = "--peer-cert-file", paramLabel = "FILE",
            description = "PEM certificate of this member for peer traffic, naming it as a SAN URI urn:raftkv:member:<id>; "
                    + "with --peer-key-file and --peer-trusted-ca-file, peers talk mutual TLS (default: plaintext).")
    Path peerCertFile;

    @Option(names = "--peer-key-file", paramLabel = "FILE", description = "PEM private key (PKCS#8) of --peer-cert-file.")
    Path peerKeyFile;

    @Option(names = "--peer-trusted-ca-file", paramLabel = "FILE",
            description = "PEM CA bundle that every member's peer certificate must come from.")
    Path peerTrustedCaFile;

    /** Test-only negative control for the chaos harness; hidden so nobody finds it by accident. */
    @Option(names = "--unsafe-local-reads", hidden = true)
    boolean unsafeLocalReads;

    @Option(names = ConfigFile.OPTION, paramLabel = "FILE",
            description = "Java properties file; keys are the long flag names without dashes (initial-cluster=...).")
    Path config;

    @Option(names = "--print-config",
            description = "Print the resulting configuration as a config file and exit (nothing starts).")
    boolean printConfig;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    ServerCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig config = toConfig();
        for (String w : config.warnings()) {
            ctx.err().println("WARN " + w);
        }
        ctx.err().flush();
        if (printConfig) {
            render(config).forEach((k, v) -> ctx.out().println(k + "=" + v));
            ctx.out().flush();
            return 0;
        }
        RaftKvServer server;
        try {
            server = RaftKvServer.start(config);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        } catch (StorageException | UncheckedIOException e) {
            // A data directory of another node or cluster, corruption, a port in use: the message names it.
            throw CliException.failed("cannot start node " + config.nodeId() + ": " + e.getMessage());
        }
        // SIGTERM and SIGINT run shutdown hooks: close() is the graceful path (leader hands off first).
        Thread hook = new Thread(server::close, "raftkv-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        server.awaitTermination();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is what stopped the server; the JVM is already on its way out.
        }
        return 0;
    }

    /**
     * The validated configuration.
     *
     * @throws CliException (exit 2) naming the flag when something is missing or inconsistent
     */
    ServerConfig toConfig() {
        require(id, "--id");
        require(initialCluster, "--initial-cluster");
        require(clientAddr, "--client-addr");
        require(dataDir, "--data-dir");
        positive(electionTicks, "--election-ticks");
        positive(heartbeatTicks, "--heartbeat-ticks");
        positive(maxKeyBytes, "--max-key-bytes");
        positive(maxValueBytes, "--max-value-bytes");
        positive(maxRequestBytes, "--max-request-bytes");
        positive(maxScanLimit, "--max-scan-limit");
        positive(maxPendingRequests, "--max-pending-requests");
        positive(maxPendingBytes, "--max-pending-bytes");
        try {
            ServerConfig d = ServerConfig.of(id, parseInitialCluster(initialCluster), clientAddr,
                    ctx.resolve(dataDir));
            ServerConfig.Limits l = d.limits();
            ServerConfig.Limits limits = new ServerConfig.Limits(
                    or(maxKeyBytes, l.maxKeyBytes()), or(maxValueBytes, l.maxValueBytes()),
                    or(maxRequestBytes, l.maxRequestBytes()), or(maxScanLimit, l.maxScanLimit()),
                    or(maxPendingRequests, l.maxPendingRequests()), or(maxPendingBytes, l.maxPendingBytes()));
            return new ServerConfig(d.nodeId(), or(clusterToken, d.clusterToken()), d.initialCluster(),
                    d.clientListen(), or(peerAddr, d.peerListen()), d.dataDir(), or(tick, d.tick()),
                    or(electionTicks, d.electionTicks()), or(heartbeatTicks, d.heartbeatTicks()), limits,
                    or(requestTimeout, d.requestTimeout()), or(snapshotEvery, d.snapshotEvery()),
                    or(retainEntries, d.retainEntries()), unsafeLocalReads, advertiseClientAddr, metricsAddr,
                    join == null ? 0 : parseClusterId(join),
                    peerAddresses == null ? null : parseMembers(peerAddresses, "--peer-addresses"),
                    or(corruptionCheck, d.corruptionCheck()),
                    new ServerConfig.Space(or(quotaBackendBytes, d.space().quotaBytes()),
                            or(minFreeDiskBytes, d.space().minFreeDiskBytes())), security());
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    /** The TLS flags as one setting; a certificate without its key (or the reverse) is refused naming both. */
    private ServerConfig.Security security() {
        if ((certFile == null) != (keyFile == null)) {
            throw CliException.usage("--cert-file and --key-file go together");
        }
        if (certFile == null && trustedCaFile != null) {
            throw CliException.usage("--trusted-ca-file needs --cert-file and --key-file (client certificates need TLS)");
        }
        boolean anyPeer = peerCertFile != null || peerKeyFile != null || peerTrustedCaFile != null;
        if (anyPeer && (peerCertFile == null || peerKeyFile == null || peerTrustedCaFile == null)) {
            throw CliException.usage("peer TLS is always mutual: give --peer-cert-file, --peer-key-file and "
                    + "--peer-trusted-ca-file together");
        }
        return new ServerConfig.Security(
                certFile == null ? null : new TlsFiles(ctx.resolve(certFile), ctx.resolve(keyFile),
                        trustedCaFile == null ? null : ctx.resolve(trustedCaFile)),
                clientCertAuth,
                anyPeer ? new TlsFiles(ctx.resolve(peerCertFile), ctx.resolve(peerKeyFile), ctx.resolve(peerTrustedCaFile)) : null,
                authTokenTtl);
    }

    static long parseClusterId(String hex) {
        try {
            long v = Long.parseUnsignedLong(hex.trim(), 16);
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw CliException.usage("--join '" + hex + "' is not a cluster id (a positive hex number, as 'raftkv member add' "
                    + "and 'raftkv status' print it)");
        }
    }

    /** {@code 1=h:p,2=h:p}; whitespace around entries is fine, empty entries are skipped. */
    static SortedMap<Long, String> parseInitialCluster(String text) {
        return parseMembers(text, "--initial-cluster");
    }

    private static SortedMap<Long, String> parseMembers(String text, String flag) {
        SortedMap<Long, String> members = new TreeMap<>();
        for (String part : text.split(",")) {
            String entry = part.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            long memberId;
            try {
                if (eq <= 0) {
                    throw new NumberFormatException();
                }
                memberId = Long.parseLong(entry.substring(0, eq).trim());
            } catch (NumberFormatException e) {
                throw CliException.usage(flag + " entry '" + entry + "' is not id=host:port");
            }
            String address = entry.substring(eq + 1).trim();
            if (address.contains("://")) {
                throw CliException.usage(flag + " entry '" + entry + "': peer addresses are host:port, without a scheme"
                        + " (peers speak gRPC, not HTTP)");
            }
            // Founding members each need their own address; --peer-addresses may route several ids (a slot's
            // future replacements, as the chaos harness does) through one address.
            if (flag.equals("--initial-cluster") && members.containsValue(address)) {
                throw CliException.usage(flag + " gives node " + memberId + " the address " + address + " of another member;"
                        + " every member needs its own host:port");
            }
            if (members.put(memberId, address) != null) {
                throw CliException.usage(flag + " names node " + memberId + " twice");
            }
        }
        return members;
    }

    /** The effective configuration in config-file form, so {@code --print-config > node.properties} works. */
    static Map<String, String> render(ServerConfig c) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("id", Long.toString(c.nodeId()));
        StringBuilder members = new StringBuilder();
        c.initialCluster().forEach((k, v) -> members.append(members.length() == 0 ? "" : ",").append(k).append('=').append(v));
        m.put("initial-cluster", members.toString());
        if (c.joining()) {
            m.put("join", Long.toHexString(c.joinClusterId()));
        }
        if (!c.peerAddresses().isEmpty()) {
            StringBuilder pa = new StringBuilder();
            c.peerAddresses().forEach((k, v) -> pa.append(pa.length() == 0 ? "" : ",").append(k).append('=').append(v));
            m.put("peer-addresses", pa.toString());
        }
        m.put("client-addr", c.clientListen());
        if (c.metricsListen() != null) {
            m.put("metrics-addr", c.metricsListen());
        }
        if (c.clientAdvertise() != null) {
            m.put("advertise-client-addr", c.clientAdvertise());
        }
        m.put("peer-addr", c.peerListen());
        m.put("data-dir", c.dataDir().toString());
        m.put("cluster-token", c.clusterToken());
        m.put("tick", Units.format(c.tick()));
        m.put("election-ticks", Integer.toString(c.electionTicks()));
        m.put("heartbeat-ticks", Integer.toString(c.heartbeatTicks()));
        m.put("request-timeout", Units.format(c.requestTimeout()));
        m.put("max-key-bytes", Integer.toString(c.limits().maxKeyBytes()));
        m.put("max-value-bytes", Integer.toString(c.limits().maxValueBytes()));
        m.put("max-request-bytes", Integer.toString(c.limits().maxRequestBytes()));
        m.put("max-scan-limit", Integer.toString(c.limits().maxScanLimit()));
        m.put("max-pending-requests", Integer.toString(c.limits().maxPendingRequests()));
        m.put("max-pending-bytes", Long.toString(c.limits().maxPendingBytes()));
        m.put("snapshot-every", Long.toString(c.snapshotEvery()));
        m.put("retain-entries", Long.toString(c.retainEntries()));
        m.put("corruption-check-interval", Units.format(c.corruptionCheck()));
        m.put("quota-backend-bytes", Long.toString(c.space().quotaBytes()));
        m.put("min-free-disk-bytes", Long.toString(c.space().minFreeDiskBytes()));
        TlsFiles client = c.security().client();
        if (client != null) {
            m.put("cert-file", client.certFile().toString());
            m.put("key-file", client.keyFile().toString());
            if (client.trustedCaFile() != null) {
                m.put("trusted-ca-file", client.trustedCaFile().toString());
            }
        }
        if (c.security().clientCertAuth()) {
            m.put("client-cert-auth", "true");
        }
        m.put("auth-token-ttl", Units.format(c.security().authTokenTtl()));
        TlsFiles peer = c.security().peer();
        if (peer != null) {
            m.put("peer-cert-file", peer.certFile().toString());
            m.put("peer-key-file", peer.keyFile().toString());
            m.put("peer-trusted-ca-file", peer.trustedCaFile().toString());
        }
        if (c.unsafeLocalReads()) {
            m.put("unsafe-local-reads", "true");
        }
        return m;
    }

    private static void require(Object value, String flag) {
        if (value == null) {
            throw CliException.usage("missing " + flag + " (give the flag or '" + flag.substring(2)
                    + "' in the --config file)");
        }
    }

    private static void positive(Number value, String flag) {
        if (value != null && value.longValue() <= 0) {
            throw CliException.usage(flag + " must be positive, got " + value);
        }
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /** Sizes such as 4096, 4KiB, 1MiB for int-valued limits. */
    static final class IntSize implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                return Units.parseIntSize(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Sizes for long-valued limits. */
    static final class LongSize implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Units.parseSize(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
