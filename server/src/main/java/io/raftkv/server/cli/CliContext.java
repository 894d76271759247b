package io.raftkv.server.cli;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.raftkv.server.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a command may touch outside its arguments: output streams, environment, working directory, how
 * to reach an endpoint and how to launch a node process. Tests swap these (in-process channels, a fake
 * node main class) instead of reaching for globals.
 *
 * @param out      results (stdout)
 * @param err      diagnostics and errors (stderr)
 * @param env      environment variables (RAFTKV_ENDPOINTS, RAFTKV_NODE_JAVA_OPTS, RAFTKV_DEBUG)
 * @param cwd      directory that relative paths such as the default {@code .local-cluster} resolve against
 * @param channels opens a channel to a host:port endpoint
 * @param launcher the command prefix that starts a node process; {@code server <flags>} is appended
 */
record CliContext(PrintWriter out, PrintWriter err, Map<String, String> env, Path cwd, ChannelFactory channels,
                  Supplier<List<String>> launcher) {

    /** Opens channels to endpoints; the CLI owns and shuts down every channel it opens. */
    interface ChannelFactory {
        ManagedChannel open(String endpoint);
    }

    static CliContext system() {
        return new CliContext(new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.getenv(),
                Path.of("").toAbsolutePath(), CliContext::plaintext, () -> NodeLauncher.current(System.getenv()));
    }

    /** Plaintext gRPC: the cluster has no TLS yet. Large inbound limit because a scan page can be big. */
    static ManagedChannel plaintext(String endpoint) {
        ServerConfig.HostPort hp = ServerConfig.HostPort.parse(endpoint, "endpoint");
        return Grpc.newChannelBuilderForAddress(hp.host(), hp.port(), InsecureChannelCredentials.create())
                .maxInboundMessageSize(64 << 20)
                .build();
    }

    Path resolve(Path p) {
        return cwd.resolve(p).normalize();
    }

    boolean debug() {
        String d = env.get("RAFTKV_DEBUG");
        return d != null && !d.isBlank() && !d.equals("0");
    }
}
