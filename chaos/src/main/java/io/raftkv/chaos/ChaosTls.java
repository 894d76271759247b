package io.raftkv.chaos;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.raftkv.client.TlsOptions;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * {@code bin/raftkv chaos --tls}: a throwaway CA for one run, issued under the run directory. Every node gets one
 * certificate for both its ports (127.0.0.1 and its member URI {@code urn:raftkv:member:<id>}), the harness one
 * client certificate; nodes require client certificates and talk mutual TLS to each other, so the run checks
 * linearizability with TLS on every connection, the fault proxy relaying the encrypted peer traffic unchanged.
 */
final class ChaosTls {
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private final Path dir;
    private final KeyPair caKeys;
    private final X509Certificate caCert;

    private ChaosTls(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        this.caKeys = keys();
        X500Name name = new X500Name("CN=raftkv chaos run CA");
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), from(), until(), name, caKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        this.caCert = sign(b);
        write(caFile(), pem(caCert));
        issue("client");
    }

    /** A new CA and the harness's client certificate under {@code dir}. */
    static ChaosTls create(Path dir) {
        try {
            return new ChaosTls(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run's certificates to " + dir, e);
        }
    }

    Path caFile() {
        return dir.resolve("ca.pem");
    }

    /** The TLS flags of node {@code id}, issuing its certificate on first use (replacement members get new ids). */
    synchronized List<String> serverFlags(int id) {
        String name = "node-" + id;
        if (!Files.exists(dir.resolve(name + ".pem"))) {
            issue(name, "uri:urn:raftkv:member:" + id, "ip:127.0.0.1", "dns:localhost");
        }
        String cert = dir.resolve(name + ".pem").toString();
        String key = dir.resolve(name + "-key.pem").toString();
        String ca = caFile().toString();
        return List.of("--cert-file", cert, "--key-file", key, "--trusted-ca-file", ca, "--client-cert-auth",
                "--peer-cert-file", cert, "--peer-key-file", key, "--peer-trusted-ca-file", ca);
    }

    /** For the raw-stub workloads and the harness's own status calls. */
    ChannelCredentials channelCredentials() {
        try {
            return TlsChannelCredentials.newBuilder().trustManager(caFile().toFile())
                    .keyManager(dir.resolve("client.pem").toFile(), dir.resolve("client-key.pem").toFile()).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** For the client-library workloads. */
    TlsOptions clientOptions() {
        return new TlsOptions(caFile(), dir.resolve("client.pem"), dir.resolve("client-key.pem"));
    }

    private void issue(String name, String... sans) {
        try {
            KeyPair keys = keys();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(), from(), until(),
                    new X500Name("CN=" + name), keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            if (sans.length > 0) {
                b.addExtension(Extension.subjectAlternativeName, false, names(sans));
            }
            write(dir.resolve(name + ".pem"), pem(sign(b)));
            write(dir.resolve(name + "-key.pem"), pem(keys.getPrivate()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the certificate of " + name + " to " + dir, e);
        }
    }

    private static GeneralNames names(String... sans) {
        List<GeneralName> out = new ArrayList<>();
        for (String san : sans) {
            int colon = san.indexOf(':');
            String value = san.substring(colon + 1);
            out.add(switch (san.substring(0, colon)) {
                case "uri" -> new GeneralName(GeneralName.uniformResourceIdentifier, value);
                case "ip" -> new GeneralName(GeneralName.iPAddress, value);
                default -> new GeneralName(GeneralName.dNSName, value);
            });
        }
        return new GeneralNames(out.toArray(new GeneralName[0]));
    }

    private X509Certificate sign(X509v3CertificateBuilder b) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a certificate", e);
        }
    }

    private static KeyPair keys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make EC keys", e);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
        }
        return out.toString();
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static Date from() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date until() {
        return Date.from(Instant.now().plus(Duration.ofDays(7)));
    }
}
