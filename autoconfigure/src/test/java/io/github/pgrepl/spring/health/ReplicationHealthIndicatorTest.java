package io.github.pgrepl.spring.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.spring.connection.ConnectionSettings;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.PgOutputSettings;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.listener.ReplicationListenerEndpoint;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** A connection that cannot reach its server: UP within the grace period, DOWN past it, DOWN once closed. */
class ReplicationHealthIndicatorTest {

    private static final String SECRET = "n0t-for-health";

    private final MutableClock clock = new MutableClock();
    private final ReplicationHealthProperties properties = new ReplicationHealthProperties(Duration.ofSeconds(30),
            Duration.ofSeconds(60));
    private ReplicationConnectionRegistry registry;

    @AfterEach
    void close() {
        registry.stop();
        registry.destroy();
    }

    @Test
    void reconnectingIsUpWithinTheGracePeriodAndDownPastIt() throws IOException {
        ManagedReplicationConnection connection = unreachableConnection();
        ReplicationHealthIndicator indicator = new ReplicationHealthIndicator(connection, properties, clock);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UNKNOWN);

        registry.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().lastError() != null);

        Health early = indicator.health();
        assertThat(early.getStatus()).isEqualTo(Status.UP);
        assertThat(early.getDetails()).containsKeys("state", "paused", "lastReceivedLsn", "lastFlushedLsn", "lagBytes",
                "reconnectAttempts", "lastError");

        clock.advance(Duration.ofSeconds(31));
        Health late = indicator.health();
        assertThat(late.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) late.getDetails().get("reason")).contains("longer than the grace period of PT30S");
        assertThat(late.getDetails().toString()).doesNotContain(SECRET);
    }

    @Test
    void aClosedConnectionIsDown() throws IOException {
        ManagedReplicationConnection connection = unreachableConnection();
        ReplicationHealthIndicator indicator = new ReplicationHealthIndicator(connection, properties, clock);
        registry.start();

        registry.stop();

        assertThat(connection.status().state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
        assertThat(indicator.health().getDetails()).containsEntry("reason", "the connection is closed");
    }

    private ManagedReplicationConnection unreachableConnection() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        ConnectionConfig config = ConnectionConfig.builder().name("orders").host("127.0.0.1").port(closedPort).user("app")
                .password(SECRET).sslMode(SslMode.DISABLE).syncConnect(false).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(200)).build();
        PgOutputSettings pgOutput = new PgOutputSettings("orders_slot", List.of("orders_pub"), false, false, false, List.of(),
                false, false, true, null, 500, 100, 1 << 20, 1, Duration.ZERO, Duration.ofSeconds(1));
        registry = new ReplicationConnectionRegistry(List.of(new ConnectionSettings("orders", config, pgOutput, true)), clock);
        registry.registerListeners(List.of(new ReplicationListenerEndpoint("orders", "ordersHandler", new ReplicationHandler() { })));
        return registry.connection("orders");
    }
}
