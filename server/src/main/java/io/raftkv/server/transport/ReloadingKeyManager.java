package io.raftkv.server.transport;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * This node's certificate and key for one side of its TLS, re-read from their PEM files when they change
 * (see {@link Reloadable}): new handshakes present the new certificate, connections already open keep theirs.
 *
 * <p>Each version is served by the JDK's own key manager over an in-memory key store, which knows which key
 * fits which cipher suite. Aliases carry the version's generation, so a handshake that chose an alias just
 * before a reload still gets the key and chain of that same version (a provider that caches material per
 * alias never serves a stale key under a reused name either).
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final char[] NO_PASSWORD = new char[0];
    private static final String ENTRY = "raftkv";

    private final Reloadable<X509ExtendedKeyManager> versions;

    ReloadingKeyManager(Path certFile, Path keyFile, String what, LongSupplier nanos, Duration checkEvery) {
        this.versions = new Reloadable<>(what, List.of(certFile, keyFile), () -> load(certFile, keyFile), nanos, checkEvery);
    }

    ReloadingKeyManager(TlsFiles files, String what) {
        this(files.certFile(), files.keyFile(), what, System::nanoTime, Reloadable.CHECK_EVERY);
    }

    private static X509ExtendedKeyManager load(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
        X509Certificate[] chain = Pem.certificates(certFile);
        PrivateKey key = Pem.privateKey(keyFile);
        Pem.checkPair(key, chain[0], certFile, keyFile);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(ENTRY, key, NO_PASSWORD, chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, NO_PASSWORD);
        for (KeyManager km : kmf.getKeyManagers()) {
            if (km instanceof X509ExtendedKeyManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("the JDK offers no X509ExtendedKeyManager");
    }

    /** The certificate new handshakes present (tests, logs). */
    X509Certificate[] currentChain() {
        Reloadable.Version<X509ExtendedKeyManager> v = versions.get();
        return v.value().getCertificateChain(ENTRY);
    }

    private String alias(Reloadable.Version<X509ExtendedKeyManager> v, String inner) {
        return inner == null ? null : v.generation() + ":" + inner;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        Reloadable.Version<X509ExtendedKeyManager> v = versions.get();
        return alias(v, v.value().chooseEngineServerAlias(keyType, issuers, engine));
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        Reloadable.Version<X509ExtendedKeyManager> v = versions.get();
        return alias(v, v.value().chooseEngineClientAlias(keyType, issuers, engine));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        Reloadable.Version<X509ExtendedKeyManager> v = versions.get();
        return alias(v, v.value().chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        Reloadable.Version<X509ExtendedKeyManager> v = versions.get();
        return alias(v, v.value().chooseClientAlias(keyType, issuers, socket));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String a = chooseServerAlias(keyType, issuers, null);
        return a == null ? null : new String[] {a};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String a = chooseClientAlias(new String[] {keyType}, issuers, null);
        return a == null ? null : new String[] {a};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Versioned v = versioned(alias);
        return v == null ? null : v.manager.getCertificateChain(v.inner);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Versioned v = versioned(alias);
        return v == null ? null : v.manager.getPrivateKey(v.inner);
    }

    private record Versioned(X509ExtendedKeyManager manager, String inner) {
    }

    private Versioned versioned(String alias) {
        int colon = alias == null ? -1 : alias.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        long generation;
        try {
            generation = Long.parseLong(alias.substring(0, colon));
        } catch (NumberFormatException e) {
            return null;
        }
        Reloadable.Version<X509ExtendedKeyManager> v = versions.generation(generation);
        return v == null ? null : new Versioned(v.value(), alias.substring(colon + 1));
    }
}
