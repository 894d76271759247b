package io.raftkv.server.transport;

import java.nio.file.Path;

/**
 * The PEM files of one side of a node's TLS (client-facing or peer): its certificate chain, its private key
 * (PKCS#8, {@code BEGIN PRIVATE KEY}) and the CA bundle it trusts for the other end's certificates (may be
 * null on the client side, when client certificates are not checked). The files are re-read when they
 * change, so certificates rotate without a restart.
 */
public record TlsFiles(Path certFile, Path keyFile, Path trustedCaFile) {
    public TlsFiles {
        if (certFile == null || keyFile == null) {
            throw new IllegalArgumentException("TLS needs both a certificate file and a key file");
        }
    }
}
