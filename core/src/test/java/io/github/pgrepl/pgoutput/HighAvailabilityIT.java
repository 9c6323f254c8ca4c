package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Two consumers of one slot: PostgreSQL's slot ownership decides. One streams; the other waits in
 * STANDBY, quietly, and takes over within its backoff when the first stops.
 */
class HighAvailabilityIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @Test
    void theSecondConsumerStandsByAndTakesOver() {
        String table = unique("orders");
        String publication = unique("pub");
        String slot = unique("slot");
        pg.server().execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY)", "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
        CollectingListener primaryEvents = new CollectingListener();
        CollectingListener standbyEvents = new CollectingListener();
        ConnectionConfig.Builder config = config(pg.server()).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(800));
        ListAppender<ILoggingEvent> logs = captureLogs();

        ReplicationConnection primary = ReplicationConnection.start(config.build(),
                PgOutputHandler.builder(primaryEvents).slot(slot).publications(publication).createSlot(true).build());
        try (ReplicationConnection standby = ReplicationConnection.start(config.build(),
                PgOutputHandler.builder(standbyEvents).slot(slot).publications(publication).createSlot(true).build())) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                ConnectionStatus status = standby.status();
                assertThat(status.state()).as("standby's state, last error " + status.lastError())
                        .isEqualTo(ConnectionState.STANDBY);
                assertThat(status.reconnectAttempts()).as("standby's attempts").isGreaterThanOrEqualTo(4);
            });
            assertThat(standby.status().lastError()).hasMessageContaining("replication slot \"" + slot + "\" is active for PID "
                    + primary.status().backendPid());
            pg.server().execute("INSERT INTO " + table + " VALUES (1)");
            await().atMost(Duration.ofSeconds(10)).until(() -> primaryEvents.insertedIds().contains(1L));
            assertThat(standbyEvents.events).isEmpty();
            assertThat(logs.list.stream().filter(event -> event.getFormattedMessage().contains("standby:"))).hasSize(1);

            primary.close();

            // The standby's next attempt (backoff up to 800 ms), then a whole setup: room for a loaded machine.
            await().atMost(Duration.ofSeconds(15)).until(() -> standby.status().state() == ConnectionState.STREAMING);
            pg.server().execute("INSERT INTO " + table + " VALUES (2)");
            await().atMost(Duration.ofSeconds(10)).until(() -> standbyEvents.insertedIds().contains(2L));
            assertThat(standbyEvents.insertedIds()).containsExactly(2L);
        } finally {
            primary.close();
            ((Logger) LoggerFactory.getLogger(ReplicationConnection.class)).detachAppender(logs);
        }
    }

    private static ListAppender<ILoggingEvent> captureLogs() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(ReplicationConnection.class)).addAppender(appender);
        return appender;
    }
}
