package io.github.pgrepl.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/** The fake backend against a real client, pgjdbc: it plays its script and records what the client sent. */
class FakeBackendTest {

    private static final BackendScript ASK_PASSWORD_THEN_REFUSE = BackendScript.builder()
            .send(BackendMessages.authenticationCleartextPassword())
            .expect('p', password -> List.of(BackendMessages.errorResponse("FATAL", "28P01",
                    "password authentication failed for user \"app\"")))
            .close()
            .build();

    @Test
    void recordsTheStartupMessageAndThePasswordAndPlaysTheError() {
        try (FakeBackend backend = FakeBackend.start(ASK_PASSWORD_THEN_REFUSE)) {
            assertThatThrownBy(() -> DriverManager.getConnection(url(backend, "disable"), properties()))
                    .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");

            FakeBackend.Session session = backend.session();
            assertThat(session.tls()).isFalse();
            assertThat(session.failure()).isNull();
            assertThat(session.received().get(0).startupParameters()).containsEntry("user", "app");
            assertThat(session.received('p')).singleElement().extracting(FrontendMessage::text).isEqualTo("pw");
            assertThat(session.receivedText()).contains("pw");
        }
    }

    @Test
    void servesTlsFromItsOwnCa() {
        try (FakeBackend backend = FakeBackend.startWithTls(ASK_PASSWORD_THEN_REFUSE)) {
            Properties properties = properties();
            properties.setProperty("sslrootcert", backend.caCertificate().toString());
            assertThatThrownBy(() -> DriverManager.getConnection(url(backend, "verify-full"), properties))
                    .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");

            FakeBackend.Session session = backend.session();
            assertThat(session.tls()).isTrue();
            assertThat(session.received().get(0).type()).isEqualTo(FrontendMessage.SSL_REQUEST);
            assertThat(session.received('p')).singleElement().extracting(FrontendMessage::text).isEqualTo("pw");
        }
    }

    @Test
    void anUnexpectedMessageStopsTheScript() {
        BackendScript script = BackendScript.builder().send(BackendMessages.authenticationCleartextPassword())
                .expect('Q').build();
        try (FakeBackend backend = FakeBackend.start(script)) {
            assertThatThrownBy(() -> DriverManager.getConnection(url(backend, "disable"), properties()))
                    .isInstanceOf(SQLException.class);

            assertThat(backend.session().failure()).contains("expected a message of type 'Q' but the client sent 'p'");
        }
    }

    private static String url(FakeBackend backend, String sslMode) {
        return "jdbc:postgresql://" + backend.host() + ":" + backend.port() + "/db?sslmode=" + sslMode;
    }

    private static Properties properties() {
        Properties properties = new Properties();
        properties.setProperty("user", "app");
        properties.setProperty("password", "pw");
        properties.setProperty("connectTimeout", "5");
        return properties;
    }
}
