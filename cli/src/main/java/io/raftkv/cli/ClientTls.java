package io.raftkv.cli;

import io.raftkv.client.TlsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The TLS side of a client command: which CA bundle, certificate and key it uses, and where they came from.
 * Each file is its flag, else its environment variable ({@code RAFTKV_CACERT}, {@code RAFTKV_CERT},
 * {@code RAFTKV_KEY}), as etcdctl does. Endpoints that come from a local cluster's directory follow that cluster
 * instead (unless a flag is given): its own files if it was started with {@code local up --tls}, plaintext
 * otherwise, so a shell set up for a remote secure cluster still talks to a plaintext local one. {@code https://}
 * endpoints turn TLS on by themselves (trusting the JDK's CAs when no {@code --cacert} is given).
 *
 * @param caFile   the CA bundle, or null for the JDK's trust store
 * @param certFile the client certificate, or null for none
 * @param keyFile  its key, or null
 * @param source   where the files came from, for error messages
 */
record ClientTls(Path caFile, Path certFile, Path keyFile, String source) {
    static final String ENV_CACERT = "RAFTKV_CACERT";
    static final String ENV_CERT = "RAFTKV_CERT";
    static final String ENV_KEY = "RAFTKV_KEY";

    TlsOptions options() {
        return new TlsOptions(caFile, certFile, keyFile);
    }

    /** Whether {@code message} names one of these files (then it is about TLS, not about the endpoints). */
    boolean names(String message) {
        return (caFile != null && message.contains(caFile.toString())) || (certFile != null && message.contains(certFile.toString()))
                || (keyFile != null && message.contains(keyFile.toString()));
    }

    /** TLS for {@code r}, or empty for plaintext; usage errors for files that are missing or given half. */
    static Optional<ClientTls> resolve(TlsFlags flags, Map<String, String> env, Endpoints.Resolved r, CliContext ctx) {
        if (!flags.any() && r.localCluster() != null) {
            return local(r);
        }
        Named ca = pick(flags.cacert, "--cacert", env, ENV_CACERT, ctx);
        Named cert = pick(flags.cert, "--cert", env, ENV_CERT, ctx);
        Named key = pick(flags.key, "--key", env, ENV_KEY, ctx);
        if (ca == null && cert == null && key == null) {
            return r.https() ? Optional.of(new ClientTls(null, null, null, "https:// in " + r.source())) : Optional.empty();
        }
        if ((cert == null) != (key == null)) {
            throw CliException.usage(cert == null ? key.name + " needs --cert (or " + ENV_CERT + "): the certificate the key belongs to"
                    : cert.name + " needs --key (or " + ENV_KEY + "): the certificate's private key");
        }
        for (Named n : new Named[] {ca, cert, key}) {
            if (n != null) {
                n.check();
            }
        }
        String source = String.join(", ", java.util.stream.Stream.of(ca, cert, key).filter(n -> n != null).map(n -> n.name).toList());
        if (r.http()) {
            throw CliException.usage(r.source() + " names an http:// endpoint, but " + source + " asks for TLS: give https://host:port"
                    + " or host:port");
        }
        return Optional.of(new ClientTls(ca == null ? null : ca.path, cert == null ? null : cert.path, key == null ? null : key.path,
                source));
    }

    private static Optional<ClientTls> local(Endpoints.Resolved r) {
        Optional<LocalCluster> cluster = LocalCluster.load(r.localCluster());
        if (cluster.isEmpty() || !cluster.get().tls()) {
            return Optional.empty();
        }
        LocalCluster c = cluster.get();
        return Optional.of(new ClientTls(c.caFile(), c.clientCertFile(), c.clientKeyFile(), "the local cluster in " + c.dir()));
    }

    /** A file and the flag or variable that named it. */
    private record Named(Path path, String name) {
        void check() {
            if (!Files.exists(path)) {
                throw CliException.usage(name + " " + path + ": no such file");
            }
            if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                throw CliException.usage(name + " " + path + ": not a readable file");
            }
        }
    }

    private static Named pick(Path flag, String flagName, Map<String, String> env, String var, CliContext ctx) {
        if (flag != null) {
            return new Named(ctx.resolve(flag), flagName);
        }
        String v = env.get(var);
        return v == null || v.isBlank() ? null : new Named(ctx.resolve(Path.of(v.trim())), var);
    }
}
