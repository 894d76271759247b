package io.raftkv.cli;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The throwaway PKI of {@code raftkv local up --tls}: a CA made for one local cluster, a client-port and a
 * peer certificate per node, and a client certificate for the CLI, as PEM files (keys PKCS#8, readable by the
 * owner only; directories the owner's only).
 *
 * <p>Client-port certificates name {@code localhost} and {@code 127.0.0.1} (the CLI checks the host it
 * dialled); peer certificates also carry the member identity {@code urn:raftkv:member:<id>} the nodes check
 * (README, "Securing a cluster") and serve both ends of the peers' mutual handshakes.
 *
 * <p>{@link CertIssuer} makes them with BouncyCastle, whose jars are not in {@code raftkv-cli.jar}: inside, they
 * doubled its entries (16,945 instead of 8,894), which the JVM indexes when it opens the jar before {@code main},
 * for every command; a {@code get} then ran a few percent more instructions under callgrind. They sit in
 * {@code lib/} next to it ({@code cli/target/lib}), and this class loads them, with {@link CertIssuer}, in a
 * class loader of its own, only when certificates are issued.
 */
final class LocalPki {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final String PROBE = "org.bouncycastle.cert.X509v3CertificateBuilder";

    private LocalPki() {
    }

    /** Creates the CA and the client certificate in {@code DIR/tls}, then every node's certificates. */
    static void create(LocalCluster cluster) {
        Issuer issuer = Issuer.load();
        try {
            directory(cluster.tlsDir());
            String[] ca = issuer.ca("raftkv local cluster CA " + cluster.token());
            write(cluster.caFile(), ca[0], false);
            write(cluster.caKeyFile(), ca[1], true);
            String[] client = issuer.leaf(ca, "raftkv local client", new String[0], "client");
            write(cluster.clientCertFile(), client[0], false);
            write(cluster.clientKeyFile(), client[1], true);
            for (LocalCluster.Node n : cluster.nodes()) {
                node(cluster, issuer, ca, n.id());
            }
        } catch (IOException e) {
            throw CliException.failed("cannot write the local cluster's certificates in " + cluster.tlsDir() + ": " + e);
        }
    }

    /** Issues node {@code id}'s certificates with the cluster's CA (for a node added by {@code local add}). */
    static void issueNode(LocalCluster cluster, long id) {
        Issuer issuer = Issuer.load();
        try {
            String[] ca = {Files.readString(cluster.caFile(), StandardCharsets.US_ASCII),
                Files.readString(cluster.caKeyFile(), StandardCharsets.US_ASCII)};
            node(cluster, issuer, ca, id);
        } catch (IOException e) {
            throw CliException.failed("cannot issue node " + id + "'s certificates with the CA in " + cluster.tlsDir() + ": " + e);
        }
    }

    private static void node(LocalCluster cluster, Issuer issuer, String[] ca, long id) throws IOException {
        Path dir = cluster.nodeTlsDir(id);
        Files.createDirectories(cluster.nodeDir(id));
        directory(dir);
        String[] host = {"dns:localhost", "ip:" + LocalCluster.HOST};
        String[] server = issuer.leaf(ca, "raftkv local node " + id, host, "server");
        write(dir.resolve("server.pem"), server[0], false);
        write(dir.resolve("server-key.pem"), server[1], true);
        String[] peer = issuer.leaf(ca, "raftkv local member " + id, new String[] {"uri:urn:raftkv:member:" + id, host[0], host[1]}, "both");
        write(dir.resolve("peer.pem"), peer[0], false);
        write(dir.resolve("peer-key.pem"), peer[1], true);
    }

    private static void directory(Path dir) throws IOException {
        Files.createDirectories(dir);
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

    /** {@link CertIssuer}'s two methods, from whichever class loader sees BouncyCastle. */
    private record Issuer(MethodHandle ca, MethodHandle leaf) {
        static Issuer load() {
            try {
                Class<?> c = Class.forName(CertIssuer.class.getName(), true, loader());
                MethodHandles.Lookup l = MethodHandles.publicLookup();
                return new Issuer(l.findStatic(c, "ca", MethodType.methodType(String[].class, String.class)),
                        l.findStatic(c, "leaf", MethodType.methodType(String[].class, String.class, String.class, String.class,
                                String[].class, String.class)));
            } catch (ReflectiveOperationException e) {
                throw CliException.failed("cannot load the certificate issuer: " + e);
            }
        }

        /** Tests and IDEs have BouncyCastle on the class path; bin/raftkv's jar does not, it has lib/. */
        private static ClassLoader loader() {
            ClassLoader own = LocalPki.class.getClassLoader();
            try {
                Class.forName(PROBE, false, own);
                return own;
            } catch (ClassNotFoundException notHere) {
                // load it from lib/ beside the jar
            }
            Path self;
            try {
                self = Path.of(LocalPki.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (URISyntaxException | SecurityException | NullPointerException e) {
                throw CliException.failed("cannot find the CLI's own jar to look for BouncyCastle beside it: " + e);
            }
            Path lib = self.getParent().resolve("lib");
            List<URL> urls = new ArrayList<>();
            try (Stream<Path> jars = Files.isDirectory(lib) ? Files.list(lib) : Stream.empty()) {
                urls.add(self.toUri().toURL());
                for (Path j : jars.filter(p -> p.getFileName().toString().matches("bc\\w+-jdk18on-.*\\.jar")).sorted().toList()) {
                    urls.add(j.toUri().toURL());
                }
            } catch (IOException e) {
                throw CliException.failed("cannot list " + lib + ": " + e);
            }
            if (urls.size() < 2) {
                throw CliException.failed("TLS certificates are issued with BouncyCastle, whose jars are not in " + lib
                        + " (rebuild: ./mvnw -q -pl cli -am package -DskipTests)");
            }
            // Parent: the JDK only, so CertIssuer is this loader's own and sees the jars beside it.
            return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
        }

        String[] ca(String commonName) {
            try {
                return (String[]) ca.invokeExact(commonName);
            } catch (Throwable t) {
                throw failed(t);
            }
        }

        String[] leaf(String[] caPem, String commonName, String[] sans, String purpose) {
            try {
                return (String[]) leaf.invokeExact(caPem[0], caPem[1], commonName, sans, purpose);
            } catch (Throwable t) {
                throw failed(t);
            }
        }

        private static CliException failed(Throwable t) {
            if (t instanceof Error e) {
                throw e;
            }
            return CliException.failed("cannot issue a certificate: " + t);
        }
    }
}
