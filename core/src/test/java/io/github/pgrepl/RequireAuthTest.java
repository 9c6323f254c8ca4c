package io.github.pgrepl;

import static io.github.pgrepl.HostileAuthenticationTest.assertNoSecretSent;
import static io.github.pgrepl.HostileAuthenticationTest.config;
import static io.github.pgrepl.HostileAuthenticationTest.connect;
import static io.github.pgrepl.testsupport.BackendMessages.authenticationCleartextPassword;
import static io.github.pgrepl.testsupport.BackendMessages.authenticationMd5Password;
import static io.github.pgrepl.testsupport.BackendMessages.authenticationOk;
import static io.github.pgrepl.testsupport.BackendMessages.authenticationSasl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.internal.auth.ScramSha256Client;
import io.github.pgrepl.testsupport.BackendScript;
import io.github.pgrepl.testsupport.FakeBackend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** libpq's require_auth: a method the setting does not allow is refused before any secret is sent. */
class RequireAuthTest {

    private static final BackendScript CLEARTEXT = BackendScript.builder().send(authenticationCleartextPassword())
            .expect('p').send(authenticationOk()).readySession().build();
    private static final BackendScript MD5 = BackendScript.builder().send(authenticationMd5Password(new byte[] {9, 8, 7, 6}))
            .expect('p').send(authenticationOk()).readySession().build();
    private static final BackendScript SCRAM = BackendScript.builder().send(authenticationSasl(ScramSha256Client.MECHANISM))
            .expect('p').build();
    private static final BackendScript TRUST = BackendScript.builder().send(authenticationOk()).readySession().build();

    @ParameterizedTest(name = "require_auth={0} refuses {1}")
    @CsvSource(delimiter = ';', value = {
            "scram-sha-256;     cleartext; server requested a cleartext password",
            "md5;               cleartext; server requested a cleartext password",
            "!password;         cleartext; server requested a cleartext password",
            "none;              cleartext; server requested a cleartext password",
            "scram-sha-256,none; md5;      server requested a hashed password",
            "password;          md5;       server requested a hashed password",
            "!md5,!password;    md5;       server requested a hashed password",
            "password,md5;      scram;     server requested SASL authentication",
            "!scram-sha-256;    scram;     server requested SASL authentication",
            "scram-sha-256;     trust;     server did not complete authentication",
            "password;          trust;     server did not complete authentication",
            "!none;             trust;     server did not complete authentication"})
    void refusesAMethodNotAllowedBeforeSendingAnything(String requireAuth, String method, String reason) {
        try (FakeBackend backend = FakeBackend.start(script(method))) {
            Throwable failure = connect(config(backend).requireAuth(requireAuth));

            assertThat(failure).hasMessageContaining("authentication method requirement \"" + requireAuth + "\" failed: " + reason);
            assertNoSecretSent(backend);
            assertThat(backend.session().received('Q')).as("no session was used").isEmpty();
        }
    }

    @ParameterizedTest(name = "require_auth={0} allows {1}")
    @CsvSource(delimiter = ';', value = {
            "password;        cleartext",
            "md5,password;    cleartext",
            "!md5;            cleartext",
            "md5;             md5",
            "!password;       md5",
            "none;            trust",
            "!password,!md5;  trust",
            "scram-sha-256,none; trust"})
    void allowsWhatItLists(String requireAuth, String method) {
        try (FakeBackend backend = FakeBackend.start(script(method))) {
            assertThat(connect(config(backend).requireAuth(requireAuth))).isNull();
        }
    }

    @Test
    void isReadFromTheUrl() {
        ConnectionConfig config = ConnectionConfig.fromUrl("postgresql://app@db/shop?require_auth=!password,!md5").build();

        assertThat(config.requireAuth()).isEqualTo("!password,!md5");
    }

    @Test
    void refusesWhatLibpqRefuses() {
        ConnectionConfig.Builder builder = ConnectionConfig.builder().user("app");
        assertThatThrownBy(() -> builder.requireAuth("md5,!password"))
                .hasMessageContaining("negative require_auth method \"!password\" cannot be mixed with non-negative methods");
        assertThatThrownBy(() -> builder.requireAuth("!md5,password"))
                .hasMessageContaining("require_auth method \"password\" cannot be mixed with negative methods");
        assertThatThrownBy(() -> builder.requireAuth("md5,md5"))
                .hasMessageContaining("require_auth method \"md5\" is specified more than once");
        assertThatThrownBy(() -> builder.requireAuth("kerberos"))
                .hasMessageContaining("invalid require_auth value: \"kerberos\"")
                .hasMessageContaining("password, md5, scram-sha-256, none");
        assertThatThrownBy(() -> ConnectionConfig.fromUrl("postgresql://app@db/shop?require_auth=md5,,password"))
                .hasMessageContaining("invalid require_auth value: \"\"");
    }

    @Test
    void channelBindingRequiredNeedsScramToBeAllowed() {
        assertThatThrownBy(() -> ConnectionConfig.builder().user("app").requireAuth("password,md5")
                .channelBinding(ChannelBinding.REQUIRE).build())
                .hasMessageContaining("channel_binding=require")
                .hasMessageContaining("scram-sha-256");
    }

    private static BackendScript script(String method) {
        return switch (method) {
            case "cleartext" -> CLEARTEXT;
            case "md5" -> MD5;
            case "scram" -> SCRAM;
            case "trust" -> TRUST;
            default -> throw new IllegalArgumentException(method);
        };
    }
}
