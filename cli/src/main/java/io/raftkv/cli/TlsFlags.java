package io.raftkv.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --cacert --cert --key}: every command that talks to a cluster takes them (etcdctl's names). */
final class TlsFlags {
    @Option(names = "--cacert", paramLabel = "FILE",
            description = "Speak TLS and trust the nodes whose certificates this CA bundle issued (PEM; default: $RAFTKV_CACERT;"
                    + " a local cluster started with --tls: its own).")
    Path cacert;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "This client's certificate (PEM), for clusters that require one (default: $RAFTKV_CERT).")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE",
            description = "The unencrypted PKCS#8 key of --cert (PEM, BEGIN PRIVATE KEY; default: $RAFTKV_KEY).")
    Path key;

    boolean any() {
        return cacert != null || cert != null || key != null;
    }
}
