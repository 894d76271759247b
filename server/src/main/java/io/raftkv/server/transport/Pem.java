package io.raftkv.server.transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM certificates and PKCS#8 private keys with the JDK. Errors name the file and what is wrong with
 * it, never its contents.
 */
final class Pem {
    private static final String BEGIN_KEY = "-----BEGIN PRIVATE KEY-----";
    private static final String END_KEY = "-----END PRIVATE KEY-----";
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private Pem() {
    }

    /** Every certificate in {@code file}, in order (a chain: the leaf first). */
    static X509Certificate[] certificates(Path file) throws IOException, GeneralSecurityException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            X509Certificate[] certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes)).toArray(new X509Certificate[0]);
            if (certs.length == 0) {
                throw new CertificateException("no certificate in " + file);
            }
            return certs;
        } catch (CertificateException e) {
            throw new CertificateException(file + " holds no readable PEM certificate (" + e.getMessage() + ")", e);
        }
    }

    /** The PKCS#8 private key in {@code file}. */
    static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        int begin = text.indexOf(BEGIN_KEY);
        int end = text.indexOf(END_KEY);
        if (begin < 0 || end < begin) {
            throw new InvalidKeySpecException(file + " holds no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----)"
                    + hint(text));
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + BEGIN_KEY.length(), end));
        } catch (IllegalArgumentException e) {
            throw new InvalidKeySpecException(file + ": the key is not valid base64");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException wrongType) {
                // try the next algorithm
            }
        }
        throw new InvalidKeySpecException(file + ": not an RSA, EC or EdDSA key");
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

    /**
     * Fails unless {@code key} belongs to the certificate {@code leaf}: a certificate replaced before its key
     * (or the other way round) must not be served, or every handshake would fail.
     */
    static void checkPair(PrivateKey key, X509Certificate leaf, Path certFile, Path keyFile) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> null;
            default -> key.getAlgorithm();
        };
        if (algorithm == null) {
            return; // PSS needs parameters; the handshake itself will tell
        }
        byte[] probe = "raftkv key pair check".getBytes(StandardCharsets.US_ASCII);
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
        } catch (java.security.InvalidKeyException | java.security.SignatureException e) {
            matches = false;
        }
        if (!matches) {
            throw new GeneralSecurityException("the key in " + keyFile + " does not belong to the certificate in " + certFile);
        }
    }
}
