package io.github.pgrepl.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An idle, caught-up stream still hears from the server: the handler's status updates ask for a reply, so a quiet
 * connection can be told from a half-open one by {@code status().lastMessageAt()}.
 */
class PgOutputLivenessIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("wal_sender_timeout", "2s").build();

    @Test
    void anIdleStreamKeepsReceivingKeepalives() {
        pg.server().execute("CREATE TABLE liveness (id int PRIMARY KEY)", "CREATE PUBLICATION liveness_pub FOR TABLE liveness");
        PgOutputHandler handler = PgOutputHandler.builder(event -> { }).slot("liveness_slot").publications("liveness_pub")
                .createSlot(true).build();
        ConnectionConfig config = ConnectionConfig.builder().host(pg.server().host()).port(pg.server().port())
                .user(PgServer.SUPERUSER).database(PgServer.DATABASE).sslMode(SslMode.DISABLE).build();

        try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().state() == ConnectionState.STREAMING);

            // The first reply comes a status interval after the start: waited for apart, so that the window's margin
            // is only for polling.
            await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().lastMessageAt() != null);
            // Nothing is written: without replies requested the server would stay silent all along.
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(secondsSince(connection.status().lastMessageAt()))
                            .as("seconds since the server's last message").isLessThan(2));

            assertThat(connection.status().state()).isEqualTo(ConnectionState.STREAMING);
        }
    }

    private static double secondsSince(Instant instant) {
        return instant == null ? Double.MAX_VALUE : Duration.between(instant, Instant.now()).toMillis() / 1000.0;
    }
}
