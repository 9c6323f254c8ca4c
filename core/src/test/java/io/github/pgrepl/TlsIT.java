package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.pgrepl.testsupport.BackendScript;
import io.github.pgrepl.testsupport.FakeBackend;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Map;

import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the trusted certificates come from, against a server whose certificate a throw-away CA signed: libpq's
 * default root certificate, sslrootcert=system (the JVM's trust store, host name always checked), and an error
 * rather than the JVM's public CAs when verify-ca or verify-full has no root certificate.
 */
class TlsIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().tls(true).build();

    @TempDir
    Path home;

    @Test
    void verifyCaWithoutARootCertificateFailsNamingLibpqsDefaultFile() {
        Throwable failure = withProperties(Map.of("user.home", home.toString()), () -> connect(config(pg.server())
                .sslMode(SslMode.VERIFY_CA).user(PgServer.TRUST_USER)));

        assertThat(failure).hasMessageContaining("root certificate file \"" + home.resolve(".postgresql/root.crt") + "\" does not exist")
                .hasMessageContaining("sslrootcert=system");
    }

    @Test
    void libpqsDefaultRootCertificateIsUsed() throws IOException {
        installDefaultRootCertificate(pg.server().caCertificate());

        Throwable verifyCa = withProperties(Map.of("user.home", home.toString()), () -> connect(config(pg.server())
                .host("127.0.0.1").sslMode(SslMode.VERIFY_CA).user(PgServer.TRUST_USER)));

        assertThat(verifyCa).isNull();
    }

    /** libpq's compatibility rule: with a root certificate file present, require checks the chain as verify-ca does. */
    @Test
    void requireChecksTheChainWhenLibpqsDefaultRootCertificateExists() throws IOException {
        try (FakeBackend otherCa = FakeBackend.startWithTls(BackendScript.builder().build())) {
            installDefaultRootCertificate(otherCa.caCertificate());
        }

        Throwable failure = withProperties(Map.of("user.home", home.toString()), () -> connect(config(pg.server())
                .sslMode(SslMode.REQUIRE).user(PgServer.TRUST_USER)));

        assertThat(failure).hasMessageContaining("TLS handshake").hasMessageContaining("sslmode=require");
    }

    @Test
    void systemRootsTrustTheJvmTrustStoreAndCheckTheHostName() {
        Map<String, String> trustStore = Map.of("javax.net.ssl.trustStore", pg.server().caTrustStore().toString(),
                "javax.net.ssl.trustStorePassword", PgServer.CA_TRUST_STORE_PASSWORD, "javax.net.ssl.trustStoreType", "PKCS12");

        Throwable byName = withProperties(trustStore, () -> connect(config(pg.server()).host("localhost")
                .sslMode(SslMode.VERIFY_FULL).sslRootCert(ConnectionConfig.SSL_ROOT_CERT_SYSTEM).user(PgServer.TRUST_USER)));
        Throwable byAddress = withProperties(trustStore, () -> connect(config(pg.server()).host("127.0.0.1")
                .sslMode(SslMode.VERIFY_FULL).sslRootCert(ConnectionConfig.SSL_ROOT_CERT_SYSTEM).user(PgServer.TRUST_USER)));
        Throwable publicCasOnly = connect(config(pg.server()).host("localhost")
                .sslMode(SslMode.VERIFY_FULL).sslRootCert(ConnectionConfig.SSL_ROOT_CERT_SYSTEM).user(PgServer.TRUST_USER));

        assertThat(byName).isNull();
        assertThat(byAddress).hasMessageContaining("TLS handshake").hasMessageContaining("must name the host");
        assertThat(publicCasOnly).hasMessageContaining("TLS handshake").hasMessageContaining("verify-full");
    }

    /** A trust manager factory (e.g. from a Spring Boot SSL bundle) stands for the root certificate, host name check included. */
    @Test
    void aTrustManagerFactoryStandsForTheRootCertificate() throws Exception {
        TrustManagerFactory trusted = trustManagers(pg.server().caTrustStore(), PgServer.CA_TRUST_STORE_PASSWORD);
        TrustManagerFactory other;
        try (FakeBackend otherCa = FakeBackend.startWithTls(BackendScript.builder().build())) {
            other = trustManagers(otherCa.caCertificate());
        }

        Throwable byName = connect(config(pg.server()).host("localhost").sslMode(SslMode.VERIFY_FULL)
                .sslTrustManagerFactory(trusted).user(PgServer.TRUST_USER));
        Throwable byAddress = connect(config(pg.server()).host("127.0.0.1").sslMode(SslMode.VERIFY_FULL)
                .sslTrustManagerFactory(trusted).user(PgServer.TRUST_USER));
        Throwable verifyCaByAddress = connect(config(pg.server()).host("127.0.0.1").sslMode(SslMode.VERIFY_CA)
                .sslTrustManagerFactory(trusted).user(PgServer.TRUST_USER));
        Throwable requireOtherCa = connect(config(pg.server()).sslMode(SslMode.REQUIRE).sslTrustManagerFactory(other)
                .user(PgServer.TRUST_USER));
        Throwable preferOtherCa = connect(config(pg.server()).sslMode(SslMode.PREFER).sslTrustManagerFactory(other)
                .user(PgServer.TRUST_USER));

        assertThat(byName).isNull();
        assertThat(byAddress).hasMessageContaining("TLS handshake").hasMessageContaining("must name the host");
        assertThat(verifyCaByAddress).isNull();
        assertThat(requireOtherCa).as("require checks the chain of given certificates, as libpq")
                .hasMessageContaining("TLS handshake").hasMessageContaining("sslmode=require");
        assertThat(preferOtherCa).as("prefer never checks").isNull();
    }

    private static TrustManagerFactory trustManagers(Path pkcs12, String password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pkcs12)) {
            store.load(in, password.toCharArray());
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory;
    }

    private static TrustManagerFactory trustManagers(Path pem) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory;
    }

    private void installDefaultRootCertificate(Path ca) throws IOException {
        Files.createDirectories(home.resolve(".postgresql"));
        Files.copy(ca, home.resolve(".postgresql/root.crt"));
    }

    /** Connects (config() sets sslmode=disable: each test sets its own), closes; the failure, or null. */
    private static Throwable connect(ConnectionConfig.Builder config) {
        return catchThrowable(() -> ReplicationConnection.start(config.build(), new ReplicationHandler() { }).close());
    }

    private static Throwable withProperties(Map<String, String> properties, java.util.function.Supplier<Throwable> action) {
        Map<String, String> saved = new java.util.HashMap<>();
        properties.forEach((name, value) -> saved.put(name, System.getProperty(name)));
        properties.forEach(System::setProperty);
        try {
            return action.get();
        } finally {
            saved.forEach((name, value) -> {
                if (value == null) {
                    System.clearProperty(name);
                } else {
                    System.setProperty(name, value);
                }
            });
        }
    }
}
