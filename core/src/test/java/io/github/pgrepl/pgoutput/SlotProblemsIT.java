package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A slot that cannot be streamed any more is told apart from a network fault: the connection stops with the cause
 * and the fix instead of reconnecting forever.
 */
class SlotProblemsIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder()
            // A slot more than 1 MB behind loses its WAL at the next checkpoint.
            .setting("max_slot_wal_keep_size", "1MB")
            .build();

    private String table;
    private String publication;
    private String slot;

    @BeforeEach
    void tableAndPublication() {
        table = unique("t");
        publication = unique("pub");
        slot = unique("slot");
        server().execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
    }

    @Test
    void aSlotInvalidatedWhileTheConsumerIsPausedStopsTheConnectionWithTheReason() {
        CollectingListener listener = new CollectingListener();
        // A paused connection does not read, so it learns that the server ended the session from its next status
        // updates (the first is taken, the second fails): send them often.
        PgOutputHandler handler = PgOutputHandler.builder(listener).slot(slot).publications(publication).createSlot(true)
                .statusInterval(Duration.ofMillis(300)).build();
        try (ReplicationConnection connection = ReplicationConnection.start(reconnecting(), handler)) {
            server().execute("INSERT INTO " + table + " VALUES (1)");
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.insertedIds().contains(1L));
            connection.pause();

            // Segments the paused consumer never confirms, then a checkpoint that may remove them.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                server().execute("INSERT INTO " + table + " SELECT coalesce(max(id), 0) + 1 FROM " + table,
                        "SELECT pg_switch_wal()", "CHECKPOINT");
                return "lost".equals(slotColumn("wal_status"));
            });

            await().atMost(Duration.ofSeconds(15)).until(() -> connection.status().state() == ConnectionState.CLOSED);
            ConnectionStatus status = connection.status();
            System.out.printf("invalidated slot: state %s after %d reconnect attempt(s), lastError %s%n", status.state(),
                    status.reconnectAttempts(), status.lastError());
            assertThat(handler.failure()).isInstanceOf(ReplicationSlotException.class)
                    .hasMessageContaining("replication slot \"" + slot + "\" on localhost:" + server().port() + " is invalidated")
                    .hasMessageContaining("max_slot_wal_keep_size")
                    .hasMessageContaining("pg_drop_replication_slot('" + slot + "')")
                    .hasMessageContaining("re-snapshot");
            assertThat(status.lastError()).hasMessageContaining("is invalidated");
        }
    }

    @Test
    void aSlotGoneWhileDisconnectedIsNotSilentlyCreatedAgain() {
        CollectingListener listener = new CollectingListener();
        PgOutputHandler handler = PgOutputHandler.builder(listener).slot(slot).publications(publication).createSlot(true).build();
        try (ReplicationConnection connection = ReplicationConnection.start(reconnecting(), handler)) {
            server().execute("INSERT INTO " + table + " VALUES (1)");
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.insertedIds().contains(1L));

            // What a failover to a standby without the slot looks like to the consumer: the next server lacks it.
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                server().terminateWalSenders();
                return "t".equals(server().queryValue("SELECT pg_drop_replication_slot(slot_name) IS NOT NULL"
                        + " FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND NOT active"));
            });

            await().atMost(Duration.ofSeconds(15)).until(() -> connection.status().state() == ConnectionState.CLOSED);
            assertThat(handler.failure()).isInstanceOf(ReplicationSlotException.class)
                    .hasMessageContaining("replication slot \"" + slot + "\" is gone from localhost:" + server().port())
                    .hasMessageContaining("create the slot again")
                    .hasMessageContaining("re-snapshot");
            assertThat(slotColumn("slot_name")).isNull();
        }
    }

    private static ConnectionConfig reconnecting() {
        return config(server()).autoReconnect(true).reconnectBackoff(Duration.ofMillis(200), Duration.ofMillis(500)).build();
    }

    private String slotColumn(String column) {
        return server().queryValue("SELECT " + column + " FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
    }

    private static PgServer server() {
        return pg.server();
    }
}
