package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static io.github.pgrepl.ReplicationFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Errors that retrying cannot fix are told at once and retried at the longest backoff, so that the connection recovers
 * by itself once its cause is fixed; a network failure is retried as before.
 */
class NonTransientErrorsIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private static final Duration MIN_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    @Test
    void aWrongPasswordIsNonTransientRetriedAtTheLongestBackoffAndRecoversOnceThePasswordIsRotated() {
        String rotated = "r0tated-" + PgServer.PASSWORD;
        ConnectionConfig config = retrying(config(pg.server()).user(PgServer.SCRAM_USER).password(rotated));
        try (ReplicationConnection connection = ReplicationConnection.start(config, new ReplicationHandler() { })) {
            await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().lastErrorNonTransient());
            assertThat(connection.status().lastError()).hasMessageContaining("28P01");
            assertThat(connection.status().state()).isEqualTo(ConnectionState.RECONNECTING);
            assertThat(connection.status().toString()).doesNotContain(rotated);

            // From 50 ms, doubling, a transient error makes six attempts or more in 3 s; this one an attempt every 2 s,
            // so three at most however late the window opens after the first (the third comes 4 s after it).
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4))
                    .until(() -> connection.status().reconnectAttempts() <= 3);

            pg.server().execute("ALTER ROLE " + PgServer.SCRAM_USER + " PASSWORD '" + rotated + "'");
            try {
                await().atMost(MAX_BACKOFF.plusSeconds(3)).until(() -> connection.status().state() == ConnectionState.CONNECTED);
                assertThat(connection.status().lastError()).isNull();
                assertThat(connection.status().lastErrorNonTransient()).isFalse();
            } finally {
                pg.server().execute("ALTER ROLE " + PgServer.SCRAM_USER + " PASSWORD '" + PgServer.PASSWORD + "'");
            }
        }
    }

    @Test
    void aMissingDatabaseAndARoleWithoutReplicationAreNonTransient() {
        String role = unique("plain");
        pg.server().execute("CREATE ROLE " + role + " LOGIN");

        assertNonTransient(config(pg.server()).database("no_such_database"), "3D000");
        assertNonTransient(config(pg.server()).user(role), "42501");
    }

    @Test
    void aHostListWhoseEveryHostRefusesThePasswordIsNonTransient() {
        ConnectionConfig config = retrying(config(pg.server()).hosts(java.util.List.of("localhost", "127.0.0.1"))
                .targetSessionAttrs(TargetSessionAttrs.ANY).user(PgServer.SCRAM_USER).password("not-" + PgServer.PASSWORD));
        try (ReplicationConnection connection = ReplicationConnection.start(config, new ReplicationHandler() { })) {
            await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().lastError() != null);
            await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().lastErrorNonTransient());
            assertThat(connection.status().lastError()).hasMessageContaining("among 2 host(s)").hasMessageContaining("28P01");
        }
    }

    @Test
    void anUnreachableServerIsTransientAndRetriedSoon() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        ConnectionConfig config = retrying(config(pg.server()).host("127.0.0.1").port(closedPort));
        try (ReplicationConnection connection = ReplicationConnection.start(config, new ReplicationHandler() { })) {
            await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().reconnectAttempts() >= 3);
            assertThat(connection.status().lastErrorNonTransient()).isFalse();
        }
    }

    private static void assertNonTransient(ConnectionConfig.Builder builder, String sqlState) {
        try (ReplicationConnection connection = ReplicationConnection.start(retrying(builder), new ReplicationHandler() { })) {
            await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().lastErrorNonTransient());
            assertThat(connection.status().lastError()).isInstanceOf(PgException.class).hasMessageContaining(sqlState);
        }
    }

    private static ConnectionConfig retrying(ConnectionConfig.Builder builder) {
        return builder.syncConnect(false).autoReconnect(true).reconnectBackoff(MIN_BACKOFF, MAX_BACKOFF).build();
    }
}
