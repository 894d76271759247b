package io.raftkv.cli;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
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
import java.util.Base64;
import java.util.Date;
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
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues the certificates of {@link LocalPki} with BouncyCastle's PKIX classes (EC P-256 keys and SHA-256
 * signatures from the JDK's providers). The only class of the CLI that touches BouncyCastle, and public with
 * JDK types only (PEM text in and out), because {@link LocalPki} loads it, with BouncyCastle's jars, in a class
 * loader of its own: those jars are not in {@code raftkv-cli.jar}, whose size every command pays at start.
 */
public final class CertIssuer {
    /** Long enough for a local cluster stopped and resumed over months; a toy CA, never a production one. */
    private static final Duration VALIDITY = Duration.ofDays(825);
    private static final SecureRandom RANDOM = new SecureRandom();

    private CertIssuer() {
    }

    /** A self-signed CA: its certificate and its PKCS#8 key, both PEM. */
    public static String[] ca(String commonName) throws Exception {
        KeyPair keys = keys();
        X500Name name = new X500Name("CN=" + commonName);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), from(), until(), name, keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
        return new String[] {pem("CERTIFICATE", sign(b, keys.getPrivate()).getEncoded()), pem("PRIVATE KEY", keys.getPrivate().getEncoded())};
    }

    /**
     * A certificate issued by the CA, and its key, both PEM.
     *
     * @param sans    subject alternative names as {@code dns:NAME}, {@code ip:ADDRESS} or {@code uri:URI}
     * @param purpose {@code server}, {@code client} or {@code both} (extended key usage)
     */
    public static String[] leaf(String caCertPem, String caKeyPem, String commonName, String[] sans, String purpose) throws Exception {
        X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caCertPem.getBytes(StandardCharsets.US_ASCII)));
        KeyPair keys = keys();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(), from(), until(), new X500Name("CN=" + commonName),
                keys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(Extension.extendedKeyUsage, false, switch (purpose) {
            case "server" -> new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth);
            case "client" -> new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth);
            case "both" -> new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
            default -> throw new IllegalArgumentException("purpose " + purpose);
        });
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        if (sans.length > 0) {
            GeneralName[] names = new GeneralName[sans.length];
            for (int i = 0; i < sans.length; i++) {
                names[i] = name(sans[i]);
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        return new String[] {pem("CERTIFICATE", sign(b, key(caKeyPem)).getEncoded()), pem("PRIVATE KEY", keys.getPrivate().getEncoded())};
    }

    private static GeneralName name(String san) {
        int colon = san.indexOf(':');
        String value = san.substring(colon + 1);
        return switch (san.substring(0, colon)) {
            case "dns" -> new GeneralName(GeneralName.dNSName, value);
            case "ip" -> new GeneralName(GeneralName.iPAddress, value);
            case "uri" -> new GeneralName(GeneralName.uniformResourceIdentifier, value);
            default -> throw new IllegalArgumentException("subject alternative name " + san);
        };
    }

    private static KeyPair keys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static PrivateKey key(String pem) throws GeneralSecurityException {
        String body = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "");
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

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
