package io.github.pgrepl.internal.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.SslMode;

import java.nio.file.Path;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Which certificates a TLS context trusts, by libpq's rules; what actually connects is in TlsIT. */
class SslContextsTest {

    @TempDir
    Path home;

    @ParameterizedTest
    @EnumSource(value = SslMode.class, names = {"VERIFY_CA", "VERIFY_FULL"})
    void verifyingWithoutARootCertificateNamesTheFileAndTheFix(SslMode mode) {
        ConnectionConfig config = ConnectionConfig.builder().user("app").sslMode(mode).build();

        assertThatThrownBy(() -> SslContexts.forConfig(config, home))
                .isInstanceOf(ReplicationException.class)
                .hasMessageContaining("sslmode=" + mode.value())
                .hasMessageContaining("root certificate file \"" + home.resolve(".postgresql/root.crt") + "\" does not exist")
                .hasMessageContaining("sslrootcert=system");
    }

    @Test
    void aMissingExplicitRootCertificateIsNamedToo() {
        Path missing = home.resolve("ca.pem");
        ConnectionConfig config = ConnectionConfig.builder().user("app").sslMode(SslMode.VERIFY_CA).sslRootCert(missing).build();

        assertThatThrownBy(() -> SslContexts.forConfig(config, home))
                .hasMessageContaining("root certificate file \"" + missing + "\" does not exist");
    }

    @Test
    void requireWithoutAnyRootCertificateEncryptsWithoutChecking() {
        ConnectionConfig config = ConnectionConfig.builder().user("app").sslMode(SslMode.REQUIRE).build();

        assertThat(SslContexts.forConfig(config, home)).isNotNull();
    }

    @Test
    void systemRootsNeedVerifyFullWhichIsThenTheDefault() {
        ConnectionConfig config = ConnectionConfig.fromUrl("postgresql://app@db/shop?sslrootcert=system").build();

        assertThat(config.sslMode()).isEqualTo(SslMode.VERIFY_FULL);
        assertThat(config.sslRootCert()).isEqualTo(ConnectionConfig.SSL_ROOT_CERT_SYSTEM);
        assertThat(SslContexts.forConfig(config, home)).isNotNull();
        for (SslMode weak : new SslMode[] {SslMode.REQUIRE, SslMode.VERIFY_CA, SslMode.PREFER}) {
            assertThatThrownBy(() -> ConnectionConfig.fromUrl("postgresql://app@db/shop?sslrootcert=system&sslmode=" + weak.value())
                    .build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("weak sslmode \"" + weak.value() + "\" may not be used with sslrootcert=system"
                            + " (use \"verify-full\")");
        }
    }

    @Test
    void managerFactoriesDoNotMixWithTheFilesTheyStandFor() throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());

        assertThatThrownBy(() -> ConnectionConfig.builder().user("app").sslRootCert(home.resolve("ca.pem"))
                .sslTrustManagerFactory(trust).build()).hasMessageContaining("sslrootcert and a trust manager factory");
        assertThatThrownBy(() -> ConnectionConfig.builder().user("app").sslRootCert(ConnectionConfig.SSL_ROOT_CERT_SYSTEM)
                .sslTrustManagerFactory(trust).build()).hasMessageContaining("sslrootcert and a trust manager factory");
        assertThatThrownBy(() -> ConnectionConfig.builder().user("app").sslCert(home.resolve("c.pem"))
                .sslKeyManagerFactory(keys).build()).hasMessageContaining("sslcert/sslkey and a key manager factory");
    }

    @ParameterizedTest
    @EnumSource(value = SslMode.class, names = {"VERIFY_CA", "VERIFY_FULL"})
    void verifyingWithATrustManagerFactoryNeedsNoRootCertificateFile(SslMode mode) throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init((java.security.KeyStore) null);
        ConnectionConfig config = ConnectionConfig.builder().user("app").sslMode(mode).sslTrustManagerFactory(trust).build();

        assertThat(SslContexts.forConfig(config, home)).isNotNull();
    }
}
