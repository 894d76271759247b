package io.raftkv.server.transport;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How members talk to each other: plaintext, or mutual TLS with the peer certificate, key and CA. With TLS,
 * both ends present a certificate from the peer CA and both check the member identity it names
 * ({@link MemberIdentity}): the server per call against the member id the request claims ({@link Caller}),
 * the client at the handshake against the member it meant to reach. The files are re-read when they change.
 */
public final class PeerTls {
    private static final PeerTls PLAINTEXT = new PeerTls(null, null);

    private final ReloadingKeyManager keys;
    private final ReloadingTrustManager trust;

    private PeerTls(ReloadingKeyManager keys, ReloadingTrustManager trust) {
        this.keys = keys;
        this.trust = trust;
    }

    public static PeerTls plaintext() {
        return PLAINTEXT;
    }

    /**
     * Mutual TLS with these files, loaded now.
     *
     * @throws IllegalArgumentException naming the file that cannot be used, or when the CA file is missing
     */
    public static PeerTls mutual(TlsFiles files) {
        if (files.trustedCaFile() == null) {
            throw new IllegalArgumentException("peer TLS is always mutual: give --peer-trusted-ca-file too");
        }
        return new PeerTls(new ReloadingKeyManager(files, "peer certificate and key"),
                new ReloadingTrustManager(files.trustedCaFile(), "peer CA"));
    }

    public boolean enabled() {
        return keys != null;
    }

    /** What this node's peer server accepts: with TLS, only connections with a certificate from the peer CA. */
    ServerCredentials serverCredentials() {
        if (!enabled()) {
            return InsecureServerCredentials.create();
        }
        return TlsServerCredentials.newBuilder().keyManager(keys).trustManager(trust)
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build();
    }

    /** How this node connects to {@code member}: with TLS, only to a server whose certificate names it. */
    ChannelCredentials channelCredentials(long member) {
        if (!enabled()) {
            return InsecureChannelCredentials.create();
        }
        return TlsChannelCredentials.newBuilder().keyManager(keys).trustManager(new ExpectMember(trust, member)).build();
    }

    /** Gives every call on the peer server its {@link Caller}. */
    ServerInterceptor callers() {
        return Caller.interceptor(enabled());
    }

    /** The certificate new peer handshakes present (tests). */
    X509Certificate presented() {
        return keys == null ? null : keys.currentChain()[0];
    }

    /**
     * The peer CA's verdict plus the member check. The host name is deliberately not checked: the member id is
     * the identity (see {@link MemberIdentity}), and the chain is validated without the connection's
     * endpoint-identification setting.
     */
    private static final class ExpectMember extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager ca;
        private final long member;

        ExpectMember(X509ExtendedTrustManager ca, long member) {
            this.ca = ca;
            this.member = member;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            ca.checkServerTrusted(chain, authType);
            Set<Long> named = MemberIdentity.of(chain[0]);
            if (!named.contains(member)) {
                throw new CertificateException("expected the certificate of member " + member + " ("
                        + MemberIdentity.uri(member) + "), got one " + (named.isEmpty() ? "naming no member" : "for member " + named));
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a peer channel never accepts clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return ca.getAcceptedIssuers();
        }
    }
}
