package io.github.pgrepl.internal.tls;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.SslMode;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

import javax.net.ssl.SSLException;

/**
 * Builds the client {@link SslContext} for an {@link SslMode}, with libpq's meanings: require trusts
 * any certificate unless a root certificate is configured; verify-ca checks the chain; verify-full
 * also checks that the certificate names the host.
 */
public final class SslContexts {

    private SslContexts() {
    }

    public static SslContext forConfig(ConnectionConfig config) {
        SslMode mode = config.sslMode();
        SslContextBuilder builder = SslContextBuilder.forClient();
        Path rootCert = rootCertificate(config);
        boolean verify = mode == SslMode.VERIFY_CA || mode == SslMode.VERIFY_FULL || (mode == SslMode.REQUIRE && rootCert != null);
        if (!verify) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (rootCert != null) {
            if (!Files.isReadable(rootCert)) {
                throw new ReplicationException("sslmode=" + mode.value() + ": the root certificate " + rootCert
                        + " cannot be read; set sslrootcert to the PEM file of the CA that signed the server's certificate");
            }
            builder.trustManager(rootCert.toFile());
        }
        // else: the JVM's default trust store
        builder.endpointIdentificationAlgorithm(mode == SslMode.VERIFY_FULL ? "HTTPS" : null);
        if (config.sslCert() != null) {
            if (config.sslKey() == null) {
                throw new ReplicationException("sslcert is set but sslkey is not: give the PEM (PKCS#8) key of the client certificate");
            }
            builder.keyManager(config.sslCert().toFile(), config.sslKey().toFile());
        }
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ReplicationException("Cannot set up TLS for sslmode=" + mode.value() + ": " + e.getMessage(), e);
        }
    }

    /** The configured root certificate, else libpq's default {@code ~/.postgresql/root.crt} when present. */
    private static Path rootCertificate(ConnectionConfig config) {
        if (config.sslRootCert() != null) {
            return config.sslRootCert();
        }
        Path libpqDefault = Path.of(System.getProperty("user.home"), ".postgresql", "root.crt");
        return config.sslMode() == SslMode.REQUIRE || !Files.isReadable(libpqDefault) ? null : libpqDefault;
    }
}
