package io.github.pgrepl.testsupport;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.CertificateBuilder.KeyUsage;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.X509Bundle;

import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A throw-away test CA and a server certificate it signed, for PostgreSQL's {@code ssl=on}.
 *
 * <p>The server certificate names only DNS {@code localhost}, deliberately not the IP 127.0.0.1, and
 * its CN is not a host name: a {@code verify-full} client must succeed against host "localhost" and
 * fail hostname verification against "127.0.0.1".
 */
final class TestCertificates {

    static final String SERVER_CERTIFICATE_FILE = "server.crt";
    static final String SERVER_KEY_FILE = "server.key";

    private final X509Bundle ca;
    private final X509Bundle server;

    private TestCertificates(X509Bundle ca, X509Bundle server) {
        this.ca = ca;
        this.server = server;
    }

    static TestCertificates create() {
        try {
            // EC P-256 (pkitesting's default algorithm) keeps key generation fast; OpenSSL, the JDK and
            // pgjdbc all accept it. Validity is pkitesting's default, one day either side of now.
            X509Bundle ca = new CertificateBuilder()
                    .subject("CN=pgrepl test CA")
                    .setIsCertificateAuthority(true)
                    .setKeyUsage(true, KeyUsage.keyCertSign, KeyUsage.cRLSign)
                    .buildSelfSigned();
            X509Bundle server = new CertificateBuilder()
                    .subject("CN=pgrepl test server")
                    .addSanDnsName("localhost")
                    .setKeyUsage(true, KeyUsage.digitalSignature)
                    .addExtendedKeyUsageServerAuth()
                    .buildIssuedBy(ca);
            return new TestCertificates(ca, server);
        } catch (Exception e) {
            throw new IllegalStateException("Could not create the test CA and server certificate", e);
        }
    }

    /** Writes the CA certificate (PEM) that clients use as their trust root. */
    void writeCaCertificate(Path file) throws IOException {
        Files.writeString(file, ca.getCertificatePEM());
    }

    /**
     * Writes a PKCS#12 trust store holding the CA certificate as a trusted entry, for tests that point the JVM's
     * default trust store ({@code javax.net.ssl.trustStore}) at the test CA.
     */
    void writeCaTrustStore(Path file, char[] password) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("pgrepl-test-ca", ca.getCertificate());
            store.store(out, password);
        } catch (GeneralSecurityException e) {
            throw new IOException("Could not build a trust store for the test CA", e);
        }
    }

    /** A server TLS context with the server certificate, for a {@link FakeBackend}. */
    SslContext serverContext() {
        try {
            return SslContextBuilder.forServer(server.getKeyPair().getPrivate(), server.getCertificatePath()).build();
        } catch (Exception e) {
            throw new IllegalStateException("Could not build the fake backend's TLS context", e);
        }
    }

    /**
     * Writes server.crt and server.key (PKCS#8 PEM) into the data directory. PostgreSQL refuses a key
     * that group or others can read, hence 0600.
     */
    void writeServerFiles(Path dataDirectory) throws IOException {
        Files.writeString(dataDirectory.resolve(SERVER_CERTIFICATE_FILE), server.getCertificatePEM());
        Path key = dataDirectory.resolve(SERVER_KEY_FILE);
        Files.writeString(key, server.getPrivateKeyPEM());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    }
}
