package io.github.pgrepl.internal.tls;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.SslMode;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

import javax.net.ssl.SSLException;

/**
 * Builds the client {@link SslContext} for an {@link SslMode}, with libpq's meanings:
 *
 * <ul>
 *   <li>The root certificate is {@code sslrootcert}, else libpq's default {@code ~/.postgresql/root.crt}.</li>
 *   <li>verify-ca checks the chain against it, verify-full also that the certificate names the host. Without the
 *       file both are an error naming the file and the fix: they never fall back to the JVM's public CAs, under
 *       which anyone with a certificate for any domain could pose as the server.</li>
 *   <li>{@code sslrootcert=system} ({@link ConnectionConfig#SSL_ROOT_CERT_SYSTEM}) trusts the JVM's trust store and
 *       always checks the host name: {@link ConnectionConfig} allows it with verify-full only.</li>
 *   <li>require checks the chain when a root certificate file exists (libpq's compatibility rule), else
 *       encrypts without checking; prefer and allow never check.</li>
 *   <li>A trust manager factory ({@link ConnectionConfig#sslTrustManagerFactory()}) stands for the root certificate,
 *       a key manager factory for the client certificate and key.</li>
 * </ul>
 */
public final class SslContexts {

    private SslContexts() {
    }

    public static SslContext forConfig(ConnectionConfig config) {
        return forConfig(config, Path.of(System.getProperty("user.home")));
    }

    /** As {@link #forConfig(ConnectionConfig)}, with libpq's default root certificate looked for under {@code home}. */
    static SslContext forConfig(ConnectionConfig config, Path home) {
        SslMode mode = config.sslMode();
        SslContextBuilder builder = SslContextBuilder.forClient();
        boolean system = ConnectionConfig.SSL_ROOT_CERT_SYSTEM.equals(config.sslRootCert());
        if (system) {
            builder.endpointIdentificationAlgorithm("HTTPS"); // the JVM's trust store: the trust manager by default
        } else if (config.sslTrustManagerFactory() != null) {
            // Trusted certificates given: as a root certificate file, they are checked by require too (libpq's rule).
            boolean checkChain = mode == SslMode.REQUIRE || mode == SslMode.VERIFY_CA || mode == SslMode.VERIFY_FULL;
            builder.trustManager(checkChain ? config.sslTrustManagerFactory() : InsecureTrustManagerFactory.INSTANCE);
            builder.endpointIdentificationAlgorithm(mode == SslMode.VERIFY_FULL ? "HTTPS" : null);
        } else {
            Path rootCert = config.sslRootCert() != null ? config.sslRootCert() : home.resolve(".postgresql").resolve("root.crt");
            boolean verifying = mode == SslMode.VERIFY_CA || mode == SslMode.VERIFY_FULL;
            if (verifying && !Files.exists(rootCert)) {
                throw new NonTransientReplicationException("sslmode=" + mode.value() + ": the root certificate file \"" + rootCert
                        + "\" does not exist. Either provide the file (the PEM of the CA that signed the server's certificate,"
                        + " as sslrootcert or at ~/.postgresql/root.crt), use the JVM's trusted roots with sslrootcert=system,"
                        + " or change sslmode to one that does not verify the server certificate");
            }
            boolean checkChain = verifying || (mode == SslMode.REQUIRE && (config.sslRootCert() != null || Files.exists(rootCert)));
            if (checkChain) {
                if (!Files.isReadable(rootCert) || Files.isDirectory(rootCert)) {
                    throw new NonTransientReplicationException("sslmode=" + mode.value() + ": the root certificate " + rootCert
                            + " cannot be read; set sslrootcert to the PEM file of the CA that signed the server's certificate");
                }
                builder.trustManager(rootCert.toFile());
            } else {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            }
            builder.endpointIdentificationAlgorithm(mode == SslMode.VERIFY_FULL ? "HTTPS" : null);
        }
        if (config.sslKeyManagerFactory() != null) {
            builder.keyManager(config.sslKeyManagerFactory());
        } else if (config.sslCert() != null) {
            if (config.sslKey() == null) {
                throw new NonTransientReplicationException("sslcert is set but sslkey is not: give the PEM (PKCS#8) key of the client certificate");
            }
            builder.keyManager(config.sslCert().toFile(), config.sslKey().toFile());
        }
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new NonTransientReplicationException("Cannot set up TLS for sslmode=" + mode.value() + ": " + e.getMessage(), e);
        }
    }
}
