package io.raftkv.server;

import io.raftkv.server.transport.TlsFiles;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * A throwaway certificate authority for tests: issues EC P-256 certificates at test time (BouncyCastle) and
 * writes them as PEM files under a test's directory; nothing is ever committed. Member certificates follow the
 * peer identity convention (a SAN URI {@code urn:raftkv:member:<id>}) and name 127.0.0.1 and localhost.
 */
public final class TestPki {
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private final Path dir;
    private final String name;
    private final KeyPair caKeys;
    private final X509Certificate caCert;

    /** A certificate and key issued by this CA, as PEM files. */
    public record Issued(Path certFile, Path keyFile, X509Certificate certificate) {
    }

    private TestPki(Path dir, String name) {
        this.dir = dir;
        this.name = name;
        this.caKeys = newKeys();
        X500Name subject = new X500Name("CN=" + name + " test CA");
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), from(), until(), subject,
                    caKeys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            this.caCert = sign(b, caKeys.getPrivate());
            write(caFile(), pem(caCert));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new CA named {@code name} whose files go to {@code dir}. */
    public static TestPki create(Path dir, String name) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TestPki(dir, name);
    }

    public Path caFile() {
        return dir.resolve(name + "-ca.pem");
    }

    /**
     * Issues a certificate for {@code file} ({@code file.pem}, {@code file-key.pem}) with these subject alternative
     * names: {@code dns:...}, {@code ip:...} or {@code uri:...}. Replaces earlier files of that name atomically.
     */
    public Issued issue(String file, String... sans) {
        return issueAs(file, "CN=" + file, sans);
    }

    /** As {@link #issue}, with this subject (an X.500 name such as {@code CN=a,O=b}). */
    public Issued issueAs(String file, String subject, String... sans) {
        KeyPair keys = newKeys();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(), from(), until(),
                    new X500Name(subject), keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            if (sans.length > 0) {
                b.addExtension(Extension.subjectAlternativeName, false, names(sans));
            }
            X509Certificate cert = sign(b, caKeys.getPrivate());
            Path certFile = dir.resolve(file + ".pem");
            Path keyFile = dir.resolve(file + "-key.pem");
            write(certFile, pem(cert));
            write(keyFile, pem(keys.getPrivate()));
            return new Issued(certFile, keyFile, cert);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Member {@code id}'s peer certificate ({@code member-<id>}). */
    public Issued member(long id) {
        return issue("member-" + id, "uri:urn:raftkv:member:" + id, "ip:127.0.0.1", "dns:localhost");
    }

    /** A client-port certificate for a node on this machine ({@code file}). */
    public Issued server(String file) {
        return issue(file, "ip:127.0.0.1", "dns:localhost");
    }

    /** A client certificate ({@code file}), naming nothing but its common name. */
    public Issued client(String file) {
        return issue(file);
    }

    /** TLS on both ports of node {@code id}: client port with this CA for client certificates, peers mutual. */
    public ServerConfig.Security security(long id, boolean clientCertAuth) {
        Issued server = server("server-" + id);
        Issued member = member(id);
        return new ServerConfig.Security(new TlsFiles(server.certFile(), server.keyFile(), caFile()), clientCertAuth,
                new TlsFiles(member.certFile(), member.keyFile(), caFile()));
    }

    /** gRPC credentials trusting this CA, presenting {@code identity} (null: none). */
    public io.grpc.ChannelCredentials channelCredentials(Issued identity) {
        try {
            io.grpc.TlsChannelCredentials.Builder b = io.grpc.TlsChannelCredentials.newBuilder().trustManager(caFile().toFile());
            if (identity != null) {
                b.keyManager(identity.certFile().toFile(), identity.keyFile().toFile());
            }
            return b.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JDK TLS context trusting this CA, presenting {@code identity} (null: none), for HTTPS and raw sockets. */
    public javax.net.ssl.SSLContext sslContext(Issued identity) {
        try {
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", caCert);
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            javax.net.ssl.KeyManager[] kms = null;
            if (identity != null) {
                java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                PrivateKey key = readKey(identity.keyFile());
                keys.setKeyEntry("me", key, new char[0], new X509Certificate[] {identity.certificate()});
                javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("SunX509");
                kmf.init(keys, new char[0]);
                kms = kmf.getKeyManagers();
            }
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(kms, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A key manager that presents {@code identity} to every server, whatever CAs the server says it accepts (the
     * JDK's own would send nothing when the issuer is not among them): an attacker's client, or a misconfigured one.
     */
    public static javax.net.ssl.X509ExtendedKeyManager alwaysPresenting(Issued identity) {
        PrivateKey key;
        try {
            key = readKey(identity.keyFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        X509Certificate[] chain = {identity.certificate()};
        return new javax.net.ssl.X509ExtendedKeyManager() {
            @Override
            public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine e) {
                return "me";
            }

            @Override
            public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket s) {
                return "me";
            }

            @Override
            public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                return new String[] {"me"};
            }

            @Override
            public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket s) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return chain.clone();
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return key;
            }
        };
    }

    private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return java.security.KeyFactory.getInstance("EC").generatePrivate(
                new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(b64)));
    }

    private static GeneralNames names(String... sans) {
        List<GeneralName> names = new ArrayList<>();
        for (String san : sans) {
            int colon = san.indexOf(':');
            String kind = san.substring(0, colon);
            String value = san.substring(colon + 1);
            names.add(switch (kind) {
                case "dns" -> new GeneralName(GeneralName.dNSName, value);
                case "ip" -> new GeneralName(GeneralName.iPAddress, value);
                case "uri" -> new GeneralName(GeneralName.uniformResourceIdentifier, value);
                default -> throw new IllegalArgumentException("unknown SAN kind " + kind);
            });
        }
        return new GeneralNames(names.toArray(new GeneralName[0]));
    }

    private static KeyPair newKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
        }
        return out.toString();
    }

    /** Writes next to the target and renames over it: a reader sees the old file or the new one, never half. */
    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static Date from() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date until() {
        return Date.from(Instant.now().plus(Duration.ofDays(2)));
    }
}
