package io.raftkv.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Whether a client certificate and a key file belong together. gRPC reads both without comparing them; a
 * mismatched pair then fails every handshake at the server with an alert that names neither file. Checked with
 * the JDK by signing with the key and verifying with the certificate's public key (the server's
 * {@code transport.Pem} does the same for a node's own files; the client cannot depend on the server module).
 */
final class KeyPairCheck {
    /** PEM files this large are no certificate or key; refusing them bounds what a typo can make us read. */
    static final long MAX_FILE_BYTES = 1 << 20;
    private static final String BEGIN_KEY = "-----BEGIN PRIVATE KEY-----";
    private static final String END_KEY = "-----END PRIVATE KEY-----";
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

    private KeyPairCheck() {
    }

    /** @throws IllegalArgumentException naming the files when the key does not belong to the certificate, or cannot be read */
    static void check(Path certFile, Path keyFile) {
        X509Certificate leaf = leaf(certFile);
        PrivateKey key = key(keyFile);
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        byte[] probe = "raftkv client key pair check".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(probe);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(leaf.getPublicKey());
            v.update(probe);
            matches = v.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new IllegalArgumentException("the key in " + keyFile + " does not belong to the certificate in " + certFile
                    + " (they must be issued together)");
        }
    }

    private static byte[] read(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(file + " is " + size + " bytes, more than the " + MAX_FILE_BYTES
                        + " a PEM certificate or key may have");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
        }
    }

    private static X509Certificate leaf(Path certFile) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(read(certFile)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(certFile + " holds no readable PEM certificate (" + e.getMessage() + ")", e);
        }
    }

    private static PrivateKey key(Path keyFile) {
        String text = new String(read(keyFile), StandardCharsets.US_ASCII);
        int begin = text.indexOf(BEGIN_KEY);
        int end = text.indexOf(END_KEY);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(keyFile + " holds no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----)" + hint(text));
        }
        PKCS8EncodedKeySpec spec;
        try {
            spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(text.substring(begin + BEGIN_KEY.length(), end)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(keyFile + ": the key is not valid base64", e);
        }
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException wrongType) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(keyFile + ": not an RSA, EC or EdDSA key");
    }

    private static String hint(String text) {
        if (text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")) {
            return "; it holds a PKCS#1/SEC1 key: convert it with 'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8'";
        }
        if (text.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
            return "; it is encrypted: raftkv reads unencrypted keys (protect the file with its permissions)";
        }
        return "";
    }
}
