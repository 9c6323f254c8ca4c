package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.pgrepl.testsupport.BackendScript;
import io.github.pgrepl.testsupport.FakeBackend;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Authentication methods and TLS modes against a server with trust, md5 and scram-sha-256 roles. */
class AuthenticationIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().tls(true).build();

    @Test
    void trustMd5AndScramRolesConnect() {
        assertThat(connect(config(pg.server()).user(PgServer.TRUST_USER))).isEqualTo("trust");
        assertThat(connect(config(pg.server()).user(PgServer.MD5_USER).password(PgServer.PASSWORD))).isEqualTo("md5");
        assertThat(connect(config(pg.server()).user(PgServer.SCRAM_USER).password(PgServer.PASSWORD))).isEqualTo("SCRAM-SHA-256");
    }

    @Test
    void aWrongPasswordFailsStartWith28P01AndThePasswordIsNowhere() {
        String wrong = "Wr0ng-" + PgServer.PASSWORD;
        for (String user : new String[] {PgServer.MD5_USER, PgServer.SCRAM_USER}) {
            ConnectionConfig config = config(pg.server()).user(user).password(wrong).build();

            Throwable failure = catchThrowable(() -> ReplicationConnection.start(config, new ReplicationHandler() { }));

            assertThat(failure).isInstanceOf(ReplicationException.class)
                    .hasMessageContaining("28P01").hasMessageContaining("password authentication failed for user \"" + user + "\"");
            assertThat(fullText(failure)).doesNotContain(wrong).doesNotContain(PgServer.PASSWORD);
            assertThat(config.toString()).doesNotContain(wrong);
        }
    }

    @Test
    void aMissingPasswordSaysSo() {
        Throwable failure = catchThrowable(() -> ReplicationConnection.start(
                config(pg.server()).user(PgServer.SCRAM_USER).build(), new ReplicationHandler() { }));

        assertThat(failure).hasMessageContaining("none is configured");
    }

    @Test
    void requireUsesTlsWithoutCheckingTheCertificate() {
        ConnectionConfig.Builder config = config(pg.server()).host("127.0.0.1").sslMode(SslMode.REQUIRE)
                .user(PgServer.MD5_USER).password(PgServer.PASSWORD);
        try (ReplicationConnection connection = ReplicationConnection.start(config.build(), new ReplicationHandler() { })) {
            assertThat(connection.status().tls()).isTrue();
        }
    }

    @Test
    void verifyFullWithScramBindsTheChannel() {
        ConnectionConfig.Builder config = config(pg.server()).host("localhost").sslMode(SslMode.VERIFY_FULL)
                .sslRootCert(pg.server().caCertificate()).channelBinding(ChannelBinding.REQUIRE)
                .user(PgServer.SCRAM_USER).password(PgServer.PASSWORD);
        try (ReplicationConnection connection = ReplicationConnection.start(config.build(), new ReplicationHandler() { })) {
            assertThat(connection.status().tls()).isTrue();
            assertThat(connection.status().authenticationMethod()).isEqualTo("SCRAM-SHA-256-PLUS");
        }
    }

    @Test
    void verifyFullRejectsAHostTheCertificateDoesNotName() {
        ConnectionConfig config = config(pg.server()).host("127.0.0.1").sslMode(SslMode.VERIFY_FULL)
                .sslRootCert(pg.server().caCertificate()).user(PgServer.TRUST_USER).build();

        Throwable failure = catchThrowable(() -> ReplicationConnection.start(config, new ReplicationHandler() { }));

        assertThat(failure).hasMessageContaining("TLS handshake").hasMessageContaining("verify-full")
                .hasMessageContaining("must name the host");
    }

    @Test
    void verifyCaRejectsACertificateAnotherCaSigned() {
        Throwable failure;
        try (FakeBackend otherCa = FakeBackend.startWithTls(BackendScript.builder().build())) {
            ConnectionConfig config = config(pg.server()).sslMode(SslMode.VERIFY_CA).sslRootCert(otherCa.caCertificate())
                    .user(PgServer.TRUST_USER).build();
            failure = catchThrowable(() -> ReplicationConnection.start(config, new ReplicationHandler() { }));
        }

        assertThat(failure).hasMessageContaining("TLS handshake").hasMessageContaining("verify-ca");
    }

    @Test
    void requiredChannelBindingFailsWithoutTls() {
        ConnectionConfig config = config(pg.server()).sslMode(SslMode.DISABLE).channelBinding(ChannelBinding.REQUIRE)
                .user(PgServer.SCRAM_USER).password(PgServer.PASSWORD).build();

        Throwable failure = catchThrowable(() -> ReplicationConnection.start(config, new ReplicationHandler() { }));

        assertThat(failure).hasMessageContaining("channel binding is required");
        assertThat(fullText(failure)).doesNotContain(PgServer.PASSWORD);
    }

    @Test
    void requireAuthAcceptsTheMethodsItAllowsAndRefusesTheOthersBeforeSendingAPassword() {
        assertThat(connect(config(pg.server()).user(PgServer.SCRAM_USER).password(PgServer.PASSWORD)
                .requireAuth("scram-sha-256"))).isEqualTo("SCRAM-SHA-256");
        assertThat(connect(config(pg.server()).user(PgServer.MD5_USER).password(PgServer.PASSWORD)
                .requireAuth("!password"))).isEqualTo("md5");
        assertThat(connect(config(pg.server()).user(PgServer.TRUST_USER).requireAuth("none"))).isEqualTo("trust");

        Throwable md5 = catchThrowable(() -> ReplicationConnection.start(config(pg.server()).user(PgServer.MD5_USER)
                .password(PgServer.PASSWORD).requireAuth("scram-sha-256").build(), new ReplicationHandler() { }));
        assertThat(md5).hasMessageContaining("authentication method requirement \"scram-sha-256\" failed: server requested"
                + " a hashed password");
        Throwable trust = catchThrowable(() -> ReplicationConnection.start(config(pg.server()).user(PgServer.TRUST_USER)
                .requireAuth("!none").build(), new ReplicationHandler() { }));
        assertThat(trust).hasMessageContaining("server did not complete authentication");
    }

    private static String connect(ConnectionConfig.Builder config) {
        try (ReplicationConnection connection = ReplicationConnection.start(config.build(), new ReplicationHandler() { })) {
            assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
            return connection.status().authenticationMethod();
        }
    }

    private static String fullText(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
