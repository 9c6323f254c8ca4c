package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import io.netty.handler.ssl.util.TrustManagerFactoryWrapper;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

/**
 * A Spring Boot SSL bundle as the trusted certificates and the client certificate of a connection
 * ({@code pgrepl.connections.<name>.ssl.bundle}). The connection gets manager factories whose managers ask the bundle
 * as it is now at each handshake: when the bundle reloads (its {@code reload-on-update}), the next connect uses the
 * new certificates; the session in progress keeps its own.
 *
 * <p>Only what the bundle holds is used: a bundle without a trust store gives no trusted certificates (Spring Boot
 * would fall back on the JVM's public CAs, which pgrepl never does for verify-ca), one without a key store no client
 * certificate.
 */
final class SslBundleManagers {

    private static final Logger log = LoggerFactory.getLogger(SslBundleManagers.class);

    /** The managers of one version of the bundle. */
    private record Managers(X509ExtendedTrustManager trust, X509ExtendedKeyManager key) {
    }

    private final String bundleName;
    private final String connection;
    private final boolean hasTrust;
    private final boolean hasKey;
    private volatile Managers current;

    private SslBundleManagers(String bundleName, String connection, SslBundle bundle) {
        this.bundleName = bundleName;
        this.connection = connection;
        this.hasTrust = bundle.getStores().getTrustStore() != null;
        this.hasKey = bundle.getStores().getKeyStore() != null;
        this.current = managers(bundle);
    }

    /**
     * The managers of bundle {@code bundleName}, following its reloads.
     *
     * @param property the property that names the bundle, for messages
     * @throws InvalidReplicationPropertyException when there is no such bundle, or its certificates cannot be used
     */
    static SslBundleManagers of(SslBundles bundles, String bundleName, String connection, String property) {
        if (bundles == null) {
            throw new InvalidReplicationPropertyException(property, "names SSL bundle '" + bundleName + "', but the"
                    + " application has no SslBundles", "Keep Spring Boot's SslAutoConfiguration, or use ssl.root-cert,"
                    + " ssl.cert and ssl.key instead.");
        }
        SslBundle bundle;
        try {
            bundle = bundles.getBundle(bundleName);
        } catch (NoSuchSslBundleException e) {
            throw new InvalidReplicationPropertyException(property, "names SSL bundle '" + bundleName + "', which is not"
                    + " configured (configured: " + bundles.getBundleNames() + ")", "Configure it under"
                    + " spring.ssl.bundle.pem." + bundleName + ".* or spring.ssl.bundle.jks." + bundleName
                    + ".*, or name one of the configured bundles.");
        }
        SslBundleManagers managers;
        try {
            managers = new SslBundleManagers(bundleName, connection, bundle);
        } catch (IllegalStateException e) {
            throw new InvalidReplicationPropertyException(property, "names SSL bundle '" + bundleName + "', whose"
                    + " certificates cannot be used: " + e.getMessage(), "Give the bundle an X.509 trust store (and key"
                    + " store, for a client certificate).");
        }
        bundles.addBundleUpdateHandler(bundleName, managers::update);
        return managers;
    }

    /** The bundle's trusted certificates, or {@code null} when it has no trust store. */
    TrustManagerFactory trustManagerFactory() {
        return hasTrust ? new TrustManagerFactoryWrapper(new CurrentTrustManager()) : null;
    }

    /** The bundle's client certificate, or {@code null} when it has no key store. */
    KeyManagerFactory keyManagerFactory() {
        return hasKey ? new KeyManagerFactoryWrapper(new CurrentKeyManager()) : null;
    }

    private void update(SslBundle bundle) {
        try {
            current = managers(bundle);
            log.info("SSL bundle '{}' was reloaded: replication connection '{}' uses its certificates from its next connect",
                    bundleName, connection);
        } catch (IllegalStateException e) {
            log.error("SSL bundle '{}' was reloaded, but replication connection '{}' cannot use its certificates, and keeps"
                    + " the former ones: {}", bundleName, connection, e.getMessage());
        }
    }

    private Managers managers(SslBundle bundle) {
        X509ExtendedTrustManager trust = null;
        if (hasTrust) {
            if (bundle.getStores().getTrustStore() == null) {
                throw new IllegalStateException("the bundle has no trust store any more");
            }
            trust = only(X509ExtendedTrustManager.class, bundle.getManagers().getTrustManagers());
        }
        X509ExtendedKeyManager key = null;
        if (hasKey) {
            if (bundle.getStores().getKeyStore() == null) {
                throw new IllegalStateException("the bundle has no key store any more");
            }
            key = only(X509ExtendedKeyManager.class, bundle.getManagers().getKeyManagers());
        }
        return new Managers(trust, key);
    }

    /** The one manager of {@code type}: an extended X.509 manager checks host names and works on engines. */
    private static <T> T only(Class<T> type, Object[] managers) {
        return Arrays.stream(managers).filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + type.getSimpleName() + " among its managers "
                        + Arrays.toString(managers)));
    }

    /** Asks the bundle's trust manager as of the handshake. */
    private final class CurrentTrustManager extends X509ExtendedTrustManager {

        private X509ExtendedTrustManager delegate() {
            return current.trust();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate().checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate().checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate().checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate().checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate().checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate().checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate().getAcceptedIssuers();
        }
    }

    /** Asks the bundle's key manager as of the handshake. */
    private final class CurrentKeyManager extends X509ExtendedKeyManager {

        private X509ExtendedKeyManager delegate() {
            return current.key();
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return delegate().chooseEngineClientAlias(keyType, issuers, engine);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return delegate().chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return delegate().getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return delegate().chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return delegate().getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return delegate().chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate().getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate().getPrivateKey(alias);
        }
    }
}
