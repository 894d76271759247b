package io.raftkv.server.transport;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * A node's listeners as the network sees them: the client port (and the metrics/health HTTP endpoint, which
 * follows it) in plaintext or TLS, optionally requiring client certificates; the peer port in plaintext or
 * mutual TLS ({@link PeerTls}). Every gRPC listener is guarded against junk connections ({@link ConnectionGuard}).
 * Certificates, keys and CAs are loaded when this is built (a bad file stops the node from starting, naming
 * it) and re-read when they change.
 */
public final class NodeSecurity {
    private final ReloadingKeyManager clientKeys;
    private final ReloadingTrustManager clientTrust;
    private final boolean clientCertAuth;
    private final PeerTls peer;
    private final JunkLog junk = new JunkLog();

    private NodeSecurity(ReloadingKeyManager clientKeys, ReloadingTrustManager clientTrust, boolean clientCertAuth, PeerTls peer) {
        this.clientKeys = clientKeys;
        this.clientTrust = clientTrust;
        this.clientCertAuth = clientCertAuth;
        this.peer = peer;
    }

    /**
     * Loads the TLS material.
     *
     * @param client          the client port's files, or null for plaintext
     * @param clientCertAuth  require a client certificate from the client CA ({@code client.trustedCaFile()})
     * @param peer            the peer files (all three), or null for plaintext
     * @throws IllegalArgumentException for an inconsistent setting or a file that cannot be used, named
     */
    public static NodeSecurity load(TlsFiles client, boolean clientCertAuth, TlsFiles peer) {
        if (clientCertAuth && (client == null || client.trustedCaFile() == null)) {
            throw new IllegalArgumentException("--client-cert-auth needs --cert-file, --key-file and --trusted-ca-file");
        }
        ReloadingKeyManager keys = client == null ? null : new ReloadingKeyManager(client, "client-port certificate and key");
        ReloadingTrustManager trust = client == null || client.trustedCaFile() == null ? null
                : new ReloadingTrustManager(client.trustedCaFile(), "client CA");
        return new NodeSecurity(keys, trust, clientCertAuth, peer == null ? PeerTls.plaintext() : PeerTls.mutual(peer));
    }

    public static NodeSecurity plaintext() {
        return new NodeSecurity(null, null, false, PeerTls.plaintext());
    }

    public PeerTls peer() {
        return peer;
    }

    public boolean clientTls() {
        return clientKeys != null;
    }

    /** For the client port's gRPC server. */
    public ServerCredentials clientCredentials() {
        ServerCredentials c;
        if (clientKeys == null) {
            c = InsecureServerCredentials.create();
        } else {
            TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(clientKeys);
            if (clientTrust != null) {
                // Without --client-cert-auth a certificate is still checked when a client offers one.
                b.trustManager(clientTrust).clientAuth(clientCertAuth ? TlsServerCredentials.ClientAuth.REQUIRE
                        : TlsServerCredentials.ClientAuth.OPTIONAL);
            }
            c = b.build();
        }
        return ConnectionGuard.wrap(c, "client", junk);
    }

    /** For the peer port's gRPC server. */
    public ServerCredentials peerCredentials() {
        return ConnectionGuard.wrap(peer.serverCredentials(), "peer", junk);
    }

    /** HTTPS for the metrics and health endpoint, with the client port's certificate; null in plaintext. */
    public HttpsConfigurator metricsHttps() {
        if (clientKeys == null) {
            return null;
        }
        SSLContext ctx;
        try {
            ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {clientKeys}, clientTrust == null ? null : new TrustManager[] {clientTrust}, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a TLS context: " + e.getMessage(), e);
        }
        return new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                if (clientCertAuth) {
                    p.setNeedClientAuth(true);
                } else if (clientTrust != null) {
                    p.setWantClientAuth(true);
                }
                params.setSSLParameters(p);
            }
        };
    }
}
