package io.raftkv.cli;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The throwaway PKI of {@code raftkv local up --tls}: a CA made for one local cluster, a client-port and a
 * peer certificate per node, and a client certificate for the CLI, as PEM files (keys PKCS#8, readable by the
 * owner only). Certificates are built with BouncyCastle's PKIX classes and signed with the JDK's providers
 * (EC P-256, SHA-256); nothing here is loaded unless a command asks for TLS, so other commands start as fast
 * as before.
 *
 * <p>Client-port certificates name {@code localhost} and {@code 127.0.0.1} (the CLI checks the host it
 * dialled); peer certificates also carry the member identity {@code urn:raftkv:member:<id>} the nodes check
 * (README, "Securing a cluster").
 */
final class LocalPki {
    /** Long enough for a cluster stopped and resumed over months; it is a local toy's CA, not a production one. */
    private static final Duration VALIDITY = Duration.ofDays(825);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private LocalPki() {
    }

    /** Creates the CA and the client certificate in {@code DIR/tls}, then every node's certificates. */
    static void create(LocalCluster cluster) {
        try {
            directory(cluster.tlsDir());
            KeyPair ca = keys();
            X500Name name = new X500Name("CN=raftkv local cluster CA " + cluster.token());
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), from(), until(), name, ca.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(ca.getPublic()));
            X509Certificate caCert = sign(b, ca.getPrivate());
            write(cluster.caFile(), pem("CERTIFICATE", caCert.getEncoded()), false);
            write(cluster.caKeyFile(), pem("PRIVATE KEY", ca.getPrivate().getEncoded()), true);
            issue(caCert, ca.getPrivate(), "raftkv local client", List.of(), KeyPurposeId.id_kp_clientAuth,
                    cluster.clientCertFile(), cluster.clientKeyFile());
            for (LocalCluster.Node n : cluster.nodes()) {
                node(cluster, n.id(), caCert, ca.getPrivate());
            }
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw CliException.failed("cannot issue the local cluster's certificates in " + cluster.tlsDir() + ": " + e);
        }
    }

    /** Issues node {@code id}'s certificates with the cluster's CA (for a node added by {@code local add}). */
    static void issueNode(LocalCluster cluster, long id) {
        try {
            X509Certificate caCert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(Files.readAllBytes(cluster.caFile())));
            node(cluster, id, caCert, caKey(cluster.caKeyFile()));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw CliException.failed("cannot issue node " + id + "'s certificates with the CA in " + cluster.tlsDir() + ": " + e);
        }
    }

    private static void node(LocalCluster cluster, long id, X509Certificate caCert, PrivateKey caKey)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        Path dir = cluster.nodeTlsDir(id);
        Files.createDirectories(cluster.nodeDir(id));
        directory(dir);
        List<GeneralName> host = List.of(new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, LocalCluster.HOST));
        issue(caCert, caKey, "raftkv local node " + id, host, KeyPurposeId.id_kp_serverAuth, dir.resolve("server.pem"),
                dir.resolve("server-key.pem"));
        List<GeneralName> member = new ArrayList<>(host);
        member.add(0, new GeneralName(GeneralName.uniformResourceIdentifier, "urn:raftkv:member:" + id));
        // Peers are both ends of a mutual handshake: the certificate serves and connects.
        issue(caCert, caKey, "raftkv local member " + id, member, null, dir.resolve("peer.pem"), dir.resolve("peer-key.pem"));
    }

    /** A leaf certificate; {@code purpose} null: both serverAuth and clientAuth. */
    private static void issue(X509Certificate caCert, PrivateKey caKey, String cn, List<GeneralName> sans, KeyPurposeId purpose,
                              Path certFile, Path keyFile) throws IOException, GeneralSecurityException, OperatorCreationException {
        KeyPair keys = keys();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(), from(), until(), new X500Name("CN=" + cn),
                keys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(Extension.extendedKeyUsage, false, purpose == null
                ? new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})
                : new ExtendedKeyUsage(purpose));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
        if (!sans.isEmpty()) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
        }
        write(certFile, pem("CERTIFICATE", sign(b, caKey).getEncoded()), false);
        write(keyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), true);
    }

    private static KeyPair keys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
            throws OperatorCreationException, GeneralSecurityException, CertIOException {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static PrivateKey caKey(Path file) throws IOException, GeneralSecurityException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        String body = text.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(body)));
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM);
    }

    /** An hour back, so a clock a little behind still accepts a certificate issued just now. */
    private static Date from() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date until() {
        return Date.from(Instant.now().plus(VALIDITY));
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void directory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        Files.setPosixFilePermissions(dir, OWNER_DIR);
    }

    /** Writes {@code file}; a key is created readable by the owner only, before any byte of it is written. */
    private static void write(Path file, String text, boolean secret) throws IOException {
        Files.deleteIfExists(file);
        if (secret) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }
}
