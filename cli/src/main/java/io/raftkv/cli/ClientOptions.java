package io.raftkv.cli;

import io.raftkv.client.RaftKvClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options every command that talks to a cluster shares, and the client they make. */
final class ClientOptions {
    @Option(names = "--endpoints", paramLabel = "HOST:PORT,...",
            description = "Client addresses to try; http:// is accepted, https:// speaks TLS (default: $RAFTKV_ENDPOINTS, else"
                    + " DIR/endpoints of the local cluster).")
    String endpoints;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s",
            description = "Deadline of the whole command, retries and redirects included (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Use the endpoints of the local cluster in DIR (default, after $RAFTKV_ENDPOINTS: .local-cluster).")
    Path dir;

    @Option(names = {"-w", "--write-out"}, paramLabel = "FORMAT", defaultValue = "simple",
            description = "Output format: simple, table or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Mixin
    TlsFlags tls = new TlsFlags();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--user", paramLabel = "NAME",
            description = "Log in as NAME to a cluster with auth enabled; the password comes from --password-file, "
                    + "$RAFTKV_PASSWORD or a prompt (NAME:PASSWORD also works, with a warning: shell history).")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE", description = "A file whose first line is the --user's password.")
    Path passwordFile;

    /** Where {@link #resolve} ran: the password (file, environment, prompt) is read there. */
    private CliContext context;

    /** The output formats of {@code -w}. */
    enum Format { simple, table, json }

    /** Prints names in the chosen format: {"key": [...]}, a one-column table under {@code header}, or one per line. */
    void printNames(CliContext ctx, String jsonKey, String header, List<String> names) {
        if (format == Format.json) {
            ctx.out().println(Json.write(Map.of(jsonKey, names)));
        } else if (format == Format.table) {
            Table t = new Table(header);
            names.forEach(t::row);
            t.print(ctx.out());
        } else {
            names.forEach(ctx.out()::println);
        }
    }

    /** The endpoints to talk to, and how (TLS or not). */
    Endpoints.Resolved resolve(CliContext ctx) {
        context = ctx;
        Endpoints.Resolved r = Endpoints.resolve(endpoints, dir == null ? null : ctx.resolve(dir), ctx.env(),
                ctx.resolve(Path.of(LocalCommands.DEFAULT_DIR)));
        return r.withTls(ClientTls.resolve(tls, ctx.env(), r, ctx).orElse(null));
    }

    /** A client of the resolved endpoints, with the command's deadline; close it. */
    RaftKvClient client(CliContext ctx) {
        return client(resolve(ctx));
    }

    RaftKvClient client(Endpoints.Resolved r) {
        return client(r, timeout.compareTo(Duration.ofSeconds(2)) < 0 ? timeout : Duration.ofSeconds(2));
    }

    /** A client whose attempts may each take {@code attempt}: for calls that wait on the server (a corruption check). */
    RaftKvClient client(Endpoints.Resolved r, Duration attempt) {
        try {
            RaftKvClient.Builder b = RaftKvClient.builder().endpoints(r.endpoints()).requestTimeout(timeout).attemptTimeout(attempt);
            if (r.tls() != null) {
                b.tls(r.tls().options());
            }
            Login.apply(b, user, passwordFile, context);
            if (context != null) {
                b.plaintextPasswordWarning().ifPresent(w -> context.err().println("warning: " + w));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            boolean tlsFiles = r.tls() != null && r.tls().names(e.getMessage());
            throw CliException.usage((tlsFiles ? "TLS (" + r.tls().source() + ")" : r.source()) + ": " + e.getMessage());
        }
    }
}
