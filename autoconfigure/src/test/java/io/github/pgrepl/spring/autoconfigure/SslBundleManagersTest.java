package io.github.pgrepl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;
import io.github.pgrepl.testsupport.BackendScript;
import io.github.pgrepl.testsupport.FakeBackend;

import java.nio.file.Files;
import java.security.cert.X509Certificate;

import javax.net.ssl.X509ExtendedTrustManager;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

/** A bundle's certificates as managers that follow the bundle's reloads; what it does not hold, it does not give. */
class SslBundleManagersTest {

    private static String caA;
    private static String caB;

    @BeforeAll
    static void twoCertificateAuthorities() throws Exception {
        try (FakeBackend a = FakeBackend.startWithTls(BackendScript.builder().build());
             FakeBackend b = FakeBackend.startWithTls(BackendScript.builder().build())) {
            caA = Files.readString(a.caCertificate());
            caB = Files.readString(b.caCertificate());
        }
    }

    @Test
    void theTrustManagerAsksTheBundleAsItIsNow() {
        DefaultSslBundleRegistry bundles = new DefaultSslBundleRegistry("db", trusting(caA));
        SslBundleManagers managers = SslBundleManagers.of(bundles, "db", "orders", "pgrepl.connections.orders.ssl.bundle");
        X509ExtendedTrustManager trust = (X509ExtendedTrustManager) managers.trustManagerFactory().getTrustManagers()[0];
        X509Certificate before = trust.getAcceptedIssuers()[0];

        bundles.updateBundle("db", trusting(caB));

        X509Certificate after = trust.getAcceptedIssuers()[0];
        assertThat(after).as("the same manager, the reloaded bundle").isNotEqualTo(before);
        assertThat(managers.keyManagerFactory()).as("no key store, no client certificate").isNull();
    }

    @Test
    void aBundleWithoutTrustStoreGivesNoTrustedCertificatesRatherThanTheJvmsPublicOnes() {
        DefaultSslBundleRegistry bundles = new DefaultSslBundleRegistry("db",
                SslBundle.of(new PemSslStoreBundle((PemSslStoreDetails) null, null)));
        assertThat(SslBundleManagers.of(bundles, "db", "orders", "p").trustManagerFactory()).isNull();
    }

    @Test
    void anUnknownBundleNamesTheConfiguredOnes() {
        DefaultSslBundleRegistry bundles = new DefaultSslBundleRegistry("db", trusting(caA));
        assertThatThrownBy(() -> SslBundleManagers.of(bundles, "dbb", "orders", "pgrepl.connections.orders.ssl.bundle"))
                .isInstanceOfSatisfying(InvalidReplicationPropertyException.class, e -> {
                    assertThat(e.getProperty()).isEqualTo("pgrepl.connections.orders.ssl.bundle");
                    assertThat(e.getProblem()).contains("'dbb', which is not configured (configured: [db])");
                    assertThat(e.getAction()).contains("spring.ssl.bundle.pem.dbb.*");
                });
    }

    private static SslBundle trusting(String caPem) {
        return SslBundle.of(new PemSslStoreBundle(null, PemSslStoreDetails.forCertificate(caPem)));
    }
}
