package io.raftkv.client;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How a {@link RaftKvClient} speaks TLS to a cluster whose client ports have certificates ({@code --cert-file}):
 * the CA bundle that issued the nodes' certificates and, for a cluster started with {@code --client-cert-auth},
 * this client's own certificate and private key. All PEM files; the key unencrypted PKCS#8
 * ({@code BEGIN PRIVATE KEY}). They are read when the client is built (a new client picks up rotated files).
 * Each node's certificate must name the host or IP address the client reaches it by.
 *
 * @param trustedCaFile  the CA bundle the nodes' certificates must come from; null: the JDK's default trust store
 * @param certFile       this client's certificate (chain), or null for none
 * @param keyFile        the key of {@code certFile}, or null for none
 */
public record TlsOptions(Path trustedCaFile, Path certFile, Path keyFile) {
    public TlsOptions {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("a client certificate needs its key and the other way round: certFile "
                    + certFile + ", keyFile " + keyFile);
        }
    }

    /** TLS trusting the nodes' certificates issued by the CA in {@code trustedCaFile}, without a client certificate. */
    public static TlsOptions trusting(Path trustedCaFile) {
        return new TlsOptions(trustedCaFile, null, null);
    }

    /** The same, presenting {@code certFile} with {@code keyFile} to nodes that require client certificates. */
    public TlsOptions withClientCertificate(Path certFile, Path keyFile) {
        return new TlsOptions(trustedCaFile, certFile, keyFile);
    }

    /**
     * The gRPC credentials (transport-neutral) for every channel the client makes.
     *
     * @throws IllegalArgumentException naming the file that cannot be read, or the certificate and key that do
     *         not belong together
     */
    ChannelCredentials credentials() {
        if (certFile != null) {
            KeyPairCheck.check(certFile, keyFile);
        }
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
        try {
            if (trustedCaFile != null) {
                b.trustManager(trustedCaFile.toFile());
            }
            if (certFile != null) {
                b.keyManager(certFile.toFile(), keyFile.toFile());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the client's TLS files (CA " + trustedCaFile + ", certificate "
                    + certFile + ", key " + keyFile + "): " + e, e);
        }
        return b.build();
    }
}
