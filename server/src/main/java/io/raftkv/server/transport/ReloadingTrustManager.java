package io.raftkv.server.transport;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The CA bundle one side of this node's TLS trusts, re-read from its PEM file when it changes (see
 * {@link Reloadable}). Each version is checked by the JDK's PKIX trust manager over an in-memory trust store;
 * to rotate a CA, list the old and the new one in the file until every certificate is reissued.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
    private final Reloadable<X509ExtendedTrustManager> versions;

    ReloadingTrustManager(Path caFile, String what, LongSupplier nanos, Duration checkEvery) {
        this.versions = new Reloadable<>(what, List.of(caFile), () -> load(caFile), nanos, checkEvery);
    }

    ReloadingTrustManager(Path caFile, String what) {
        this(caFile, what, System::nanoTime, Reloadable.CHECK_EVERY);
    }

    private static X509ExtendedTrustManager load(Path caFile) throws IOException, GeneralSecurityException {
        X509Certificate[] cas = Pem.certificates(caFile);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < cas.length; i++) {
            store.setCertificateEntry("ca-" + i, cas[i]);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("the JDK offers no X509ExtendedTrustManager");
    }

    private X509ExtendedTrustManager current() {
        return versions.get().value();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        current().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        current().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        current().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        current().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current().checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return current().getAcceptedIssuers();
    }
}
