package io.github.pgrepl.spring.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.spring.connection.ConnectionSettings;
import io.github.pgrepl.spring.connection.ListenerControl;
import io.github.pgrepl.spring.connection.ListenerFailureStatus;
import io.github.pgrepl.spring.connection.ListenerSettings;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.PgOutputSettings;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.testsupport.BackendMessages;
import io.github.pgrepl.testsupport.BackendScript;
import io.github.pgrepl.testsupport.FakeBackend;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * A connection that cannot reach its server: UP within the grace period, DOWN past it, DOWN once closed; DOWN at once
 * after an error that retrying cannot fix; and DOWN with the change and the error while a listener fails, whatever the
 * connection's state.
 */
class ReplicationHealthIndicatorTest {

    private static final String SECRET = "n0t-for-health";

    private final MutableClock clock = new MutableClock();
    private final Duration gracePeriod = Duration.ofSeconds(30);
    private final Duration walSenderTimeout = Duration.ofSeconds(60);
    private ReplicationConnectionRegistry registry;

    @AfterEach
    void close() {
        registry.stop();
        registry.destroy();
    }

    @Test
    void reconnectingIsUpWithinTheGracePeriodAndDownPastIt() throws IOException {
        ManagedReplicationConnection connection = unreachableConnection();
        ReplicationHealthIndicator indicator = new ReplicationHealthIndicator(connection, gracePeriod, walSenderTimeout, clock);
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
        assertThat((String) late.getDetails().get("reason")).contains("longer than the grace period of 30s");
        assertThat(late.getDetails().toString()).doesNotContain(SECRET);
    }

    @Test
    void anErrorRetryingCannotFixIsDownAtOnceWithTheFixAndTheError() {
        BackendScript wrongPassword = BackendScript.builder()
                .send(BackendMessages.errorResponse("FATAL", "28P01", "password authentication failed for user \"app\""))
                .close().build();
        try (FakeBackend backend = FakeBackend.start(wrongPassword)) {
            ManagedReplicationConnection connection = connection(backend.port(), null);
            ReplicationHealthIndicator indicator = new ReplicationHealthIndicator(connection, gracePeriod, walSenderTimeout, clock);
            registry.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().lastError() != null);

            Health health = indicator.health(); // well within the grace period
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat((String) health.getDetails().get("reason")).contains("retrying cannot fix the last error")
                    .contains("recovers by itself").contains("every 200ms");
            assertThat((String) health.getDetails().get("lastError")).contains("28P01 password authentication failed");
            assertThat(health.getDetails().toString()).doesNotContain(SECRET);
        }
    }

    @Test
    void aClosedConnectionIsDown() throws IOException {
        ManagedReplicationConnection connection = unreachableConnection();
        ReplicationHealthIndicator indicator = new ReplicationHealthIndicator(connection, gracePeriod, walSenderTimeout, clock);
        registry.start();

        registry.stop();

        assertThat(connection.status().state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
        assertThat(indicator.health().getDetails()).containsEntry("reason", "the connection is closed");
    }

    @Test
    void aFailingListenerIsDownWithTheChangeAndTheErrorAndUpOnceItRecovers() throws IOException {
        FakeListenerControl listeners = new FakeListenerControl();
        ManagedReplicationConnection connection = unreachableConnection(listeners);
        ReplicationHealthIndicator indicator = new ReplicationHealthIndicator(connection, gracePeriod, walSenderTimeout, clock);
        registry.start();
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

        listeners.failure = new ListenerFailureStatus("projection.on", "INSERT public.orders key {id=7} (xid 812, commit"
                + " 0/1A2B3C8)", "IllegalStateException: no such customer", 4, Instant.parse("2026-01-01T10:00:00Z"), false);
        Health failing = indicator.health();
        assertThat(failing.getStatus()).isEqualTo(Status.DOWN);
        assertThat(failing.getDetails()).containsEntry("listener", "projection.on").containsEntry("attempts", 4)
                .containsEntry("listenerError", "IllegalStateException: no such customer")
                .containsEntry("failedChange", "INSERT public.orders key {id=7} (xid 812, commit 0/1A2B3C8)")
                .containsEntry("failingSince", "2026-01-01T10:00:00Z").containsEntry("stopped", false);
        assertThat((String) failing.getDetails().get("reason")).contains("is failing on INSERT public.orders key {id=7}");

        listeners.failure = new ListenerFailureStatus("projection.on", "INSERT public.orders key {id=7}", "x", 5,
                Instant.parse("2026-01-01T10:00:00Z"), true);
        Health stopped = indicator.health();
        assertThat(stopped.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) stopped.getDetails().get("reason")).contains("stopped the connection")
                .contains("POST /actuator/pgrepl/orders {\"action\":\"restart\"}");

        listeners.failure = null;
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    }

    private ManagedReplicationConnection unreachableConnection() throws IOException {
        return unreachableConnection(null);
    }

    private ManagedReplicationConnection unreachableConnection(ListenerControl listeners) throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        return connection(closedPort, listeners);
    }

    /** With {@code listeners}, the connection runs listener methods; without, a handler of its own. */
    private ManagedReplicationConnection connection(int port, ListenerControl listeners) {
        ConnectionConfig config = ConnectionConfig.builder().name("orders").host("127.0.0.1").port(port).user("app")
                .password(SECRET).sslMode(SslMode.DISABLE).syncConnect(false).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(200)).build();
        PgOutputSettings pgOutput = new PgOutputSettings("orders_slot", List.of("orders_pub"), false, false, false, List.of(),
                false, false, null, null, 500, 100, 1 << 20, 1, Duration.ZERO, Duration.ofSeconds(1));
        ListenerSettings listener = new ListenerSettings(ListenerSettings.Recoverer.RETRY, Duration.ofSeconds(30),
                "pgrepl_dead_letter", 1 << 20);
        registry = new ReplicationConnectionRegistry(List.of(new ConnectionSettings("orders", config, pgOutput, listener,
                true)), clock);
        ManagedReplicationConnection connection = registry.connection("orders");
        if (listeners == null) {
            connection.bindHandler(new ReplicationHandler() { }, "ordersHandler");
        } else {
            connection.bindListenerMethods(event -> { }, listeners, "projection.on", false, java.util.List.of());
        }
        return connection;
    }

    /** What the listener methods' dispatcher tells health, set by the test. */
    private static final class FakeListenerControl implements ListenerControl {
        volatile ListenerFailureStatus failure;

        @Override
        public Optional<ListenerFailureStatus> failure() {
            return Optional.ofNullable(failure);
        }

        @Override
        public void restart() {
        }

        @Override
        public void close() {
        }

        @Override
        public long failedAttempts() {
            return 0;
        }

        @Override
        public long skipped() {
            return 0;
        }

        @Override
        public long recovered() {
            return 0;
        }
    }
}
