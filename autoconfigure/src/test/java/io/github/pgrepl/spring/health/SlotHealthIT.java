package io.github.pgrepl.spring.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.spring.connection.ConnectionSettings;
import io.github.pgrepl.spring.connection.ListenerSettings;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.PgOutputSettings;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** An invalidated slot is no network fault: health is DOWN at once, with the cause and the fix, and nothing retries. */
class SlotHealthIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().tls(false).setting("max_slot_wal_keep_size", "1MB").build();

    private ReplicationConnectionRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) {
            registry.stop();
            registry.destroy();
        }
    }

    @Test
    void anInvalidatedSlotIsDownWithTheReasonAndTheFix() {
        PgServer server = pg.server();
        server.execute("CREATE TABLE orders (id bigint PRIMARY KEY)", "CREATE PUBLICATION orders_pub FOR TABLE orders",
                "SELECT pg_create_logical_replication_slot('orders_slot', 'pgoutput')");
        // Nobody consumes the slot: once WAL it needs is more than max_slot_wal_keep_size behind, a checkpoint drops it.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            server.execute("INSERT INTO orders SELECT coalesce(max(id), 0) + 1 FROM orders", "SELECT pg_switch_wal()", "CHECKPOINT");
            return "lost".equals(server.queryValue("SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'orders_slot'"));
        });
        ManagedReplicationConnection connection = connection(server);
        ReplicationHealthIndicator indicator = new ReplicationHealthIndicator(connection, Duration.ofMinutes(5),
                Duration.ofSeconds(60), Clock.systemUTC());

        registry.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().state() == ConnectionState.CLOSED);
        Health health = indicator.health();
        assertThat(health.getStatus()).as("within the reconnect grace period: no waiting it out").isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("reason"))
                .contains("replication slot \"orders_slot\" on localhost:" + server.port() + " is invalidated")
                .contains("max_slot_wal_keep_size", "pg_drop_replication_slot('orders_slot')", "re-snapshot");
        assertThat(connection.status().reconnectAttempts()).isZero();
    }

    private ManagedReplicationConnection connection(PgServer server) {
        ConnectionConfig config = ConnectionConfig.builder().name("orders").host(server.host()).port(server.port())
                .user(PgServer.SUPERUSER).database(PgServer.DATABASE).sslMode(SslMode.DISABLE).syncConnect(false)
                .autoReconnect(true).reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(200)).build();
        PgOutputSettings pgOutput = new PgOutputSettings("orders_slot", List.of("orders_pub"), false, false, false, List.of(),
                false, false, null, null, 500, 100, 1 << 20, 1, Duration.ZERO, Duration.ofSeconds(1));
        ListenerSettings listener = new ListenerSettings(ListenerSettings.Recoverer.RETRY, Duration.ofSeconds(30),
                "pgrepl_dead_letter", 1 << 20);
        registry = new ReplicationConnectionRegistry(List.of(new ConnectionSettings("orders", config, pgOutput, listener,
                true)), Clock.systemUTC());
        ManagedReplicationConnection connection = registry.connection("orders");
        connection.bindChangeListener(event -> { }, "ordersListener");
        return connection;
    }
}
