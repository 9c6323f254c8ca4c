package io.github.pgrepl;

import static io.github.pgrepl.HostileAuthenticationTest.config;
import static io.github.pgrepl.HostileAuthenticationTest.connect;
import static io.github.pgrepl.testsupport.BackendMessages.authenticationOk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.testsupport.BackendScript;
import io.github.pgrepl.testsupport.FakeBackend;
import io.github.pgrepl.testsupport.FrontendMessage;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * pgrepl pins the settings that decide how the server prints values, as pgjdbc does, and refuses a server that
 * reports other values: every date, interval, float or string after it would be misread.
 */
class HostileParameterStatusTest {

    @Test
    void theStartupMessagePinsHowValuesArePrinted() {
        try (FakeBackend backend = FakeBackend.start(BackendScript.builder().send(authenticationOk()).readySession().build())) {
            assertThat(connect(config(backend))).isNull();

            assertThat(backend.session().received(FrontendMessage.STARTUP)).singleElement()
                    .extracting(FrontendMessage::startupParameters).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("DateStyle", "ISO")
                    .containsEntry("IntervalStyle", "postgres").containsEntry("extra_float_digits", "3")
                    .containsEntry("client_encoding", "UTF8").containsEntry("replication", "database");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"DateStyle; SQL, DMY", "DateStyle; German, DMY", "IntervalStyle; sql_standard",
            "IntervalStyle; iso_8601", "client_encoding; LATIN1"})
    void aServerReportingAnotherSettingIsRefused(String name, String value) {
        BackendScript script = BackendScript.builder().send(authenticationOk()).readySession(Map.of(name, value)).build();
        try (FakeBackend backend = FakeBackend.start(script)) {
            Throwable failure = connect(config(backend));

            assertThat(failure).hasMessageContaining("The server set " + name + " to '" + value + "'");
        }
    }

    @Test
    void theOrderOfDateFieldsDoesNotMatter() {
        BackendScript script = BackendScript.builder().send(authenticationOk()).readySession(Map.of("DateStyle", "ISO, DMY"))
                .build();
        try (FakeBackend backend = FakeBackend.start(script)) {
            assertThat(connect(config(backend))).isNull();
        }
    }

    @Test
    void startupParametersCannotOverrideThem() {
        assertThatThrownBy(() -> ConnectionConfig.builder().user("app").parameter("datestyle", "SQL"))
                .hasMessageContaining("pgrepl sets");
        assertThatThrownBy(() -> ConnectionConfig.builder().user("app").parameter("options", "-c extra_float_digits=0"))
                .hasMessageContaining("pgrepl sets");
        assertThatThrownBy(() -> ConnectionConfig.fromUrl("postgresql://app@db/shop?options=-c%20IntervalStyle%3Diso_8601"))
                .hasMessageContaining("pgrepl sets");
        assertThat(ConnectionConfig.builder().user("app").parameter("options", "-c search_path=app").build().parameters())
                .containsEntry("options", "-c search_path=app");
    }
}
