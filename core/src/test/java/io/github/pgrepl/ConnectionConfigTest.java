package io.github.pgrepl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectionConfigTest {

    @Test
    void parsesLibpqUrl() {
        ConnectionConfig config = ConnectionConfig.fromUrl(
                "postgresql://app:s%40cret@db.example:6543/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=orders&connect_timeout=3")
                .build();

        assertThat(config.user()).isEqualTo("app");
        assertThat(config.password()).isEqualTo("s@cret");
        assertThat(config.host()).isEqualTo("db.example");
        assertThat(config.port()).isEqualTo(6543);
        assertThat(config.database()).isEqualTo("shop");
        assertThat(config.sslMode()).isEqualTo(SslMode.VERIFY_FULL);
        assertThat(config.sslRootCert()).isEqualTo(Path.of("/etc/ca.pem"));
        assertThat(config.applicationName()).isEqualTo("orders");
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void parsesJdbcUrlWithCredentialsInTheQuery() {
        ConnectionConfig config = ConnectionConfig.fromUrl("jdbc:postgresql://[::1]/inventory?user=app&password=pw&ssl=true").build();

        assertThat(config.host()).isEqualTo("::1");
        assertThat(config.port()).isEqualTo(5432);
        assertThat(config.database()).isEqualTo("inventory");
        assertThat(config.user()).isEqualTo("app");
        assertThat(config.password()).isEqualTo("pw");
        assertThat(config.sslMode()).isEqualTo(SslMode.VERIFY_FULL);
    }

    @Test
    void databaseDefaultsToTheUserAndTheBuilderCanOverride() {
        ConnectionConfig config = ConnectionConfig.fromUrl("postgres://app@localhost").port(5555).autoReconnect(true).build();

        assertThat(config.database()).isEqualTo("app");
        assertThat(config.port()).isEqualTo(5555);
        assertThat(config.autoReconnect()).isTrue();
        assertThat(config.sslMode()).isEqualTo(SslMode.PREFER);
        assertThat(config.minReadInterval()).isEqualTo(Duration.ofMillis(1));
        assertThat(config.toBuilder().minReadInterval(Duration.ZERO).build().minReadInterval()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mysql://app:hunter2@host/db", "postgresql://app:hunter2@host:99999/db",
            "postgresql://app:hunter2@h1,h2,h3/db?port=1,2", "postgresql://app:hunter2@h1,h2/db?target_session_attrs=sometimes",
            "postgresql://app:hunter2@h1,h2/db?load_balance_hosts=true", "postgresql://app:hunter2@h1:5432,[::1/db",
            "postgresql://app:hunter2@host/db?sslmode=sometimes",
            "postgresql://app:hunter2@host/db?bogus=1", "jdbc:postgresql://host/db?user=app&password=hunter2&connect_timeout=x",
            "postgresql://app:hunter2@host:port/db"})
    void rejectsBadUrlsWithoutShowingThePassword(String url) {
        assertThatThrownBy(() -> ConnectionConfig.fromUrl(url).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid connection URL")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void toStringHidesThePassword() {
        ConnectionConfig config = ConnectionConfig.builder().user("app").password("hunter2").build();

        assertThat(config.toString()).doesNotContain("hunter2").contains("<hidden>");
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(() -> ConnectionConfig.builder().build()).hasMessageContaining("user is required");
        assertThatThrownBy(() -> ConnectionConfig.builder().port(0)).hasMessageContaining("port");
        assertThatThrownBy(() -> ConnectionConfig.builder().connectTimeout(Duration.ofSeconds(-1)))
                .hasMessageContaining("connectTimeout must be a positive duration");
        assertThatThrownBy(() -> ConnectionConfig.builder().reconnectBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .hasMessageContaining("must not be below min");
        assertThatThrownBy(() -> SslMode.parse("maybe")).hasMessageContaining("verify-full");
        assertThatThrownBy(() -> ConnectionConfig.builder().minReadInterval(Duration.ofSeconds(2)))
                .hasMessageContaining("minReadInterval must be between 0 (read at once) and 1s, was 2s");
        assertThatThrownBy(() -> ConnectionConfig.builder().minReadInterval(Duration.ofMillis(-1)))
                .hasMessageContaining("minReadInterval must be between");
    }
}
