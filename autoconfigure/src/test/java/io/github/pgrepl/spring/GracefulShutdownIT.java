package io.github.pgrepl.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * Closing the application confirms what the listener processed, within the shutdown phase. Status updates are made
 * rare here (and the server patient), so that only the final one, sent on close, can have confirmed the row. It may
 * confirm more: an idle keepalive lets the slot move past WAL the stream skips.
 */
class GracefulShutdownIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("wal_sender_timeout", "10min").build();

    @Test
    void shutdownConfirmsTheLastProcessedPosition() {
        pg.server().execute("CREATE TABLE items (id bigint PRIMARY KEY)", "CREATE PUBLICATION items_pub FOR TABLE items",
                "CREATE TABLE unpublished (id bigint)");
        ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("pgrepl.connections.orders.url=postgresql://localhost:" + pg.server().port() + "/postgres",
                        "pgrepl.connections.orders.username=" + PgServer.SUPERUSER,
                        "pgrepl.connections.orders.slot=shutdown_slot",
                        "pgrepl.connections.orders.publications=items_pub",
                        "pgrepl.connections.orders.create-slot=true",
                        "pgrepl.connections.orders.status-interval=5m",
                        "spring.lifecycle.timeout-per-shutdown-phase=10s")
                .run();
        TestListeners.OrdersListener listener = context.getBean(TestListeners.OrdersListener.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> slotActive());

        pg.server().execute("INSERT INTO items VALUES (1)");
        ChangeEvent.Commit commit = await().atMost(Duration.ofSeconds(10)).until(() -> listener.events.stream()
                .filter(ChangeEvent.Commit.class::isInstance).map(ChangeEvent.Commit.class::cast).findFirst().orElse(null),
                found -> found != null);
        assertThat(confirmedFlush()).as("not confirmed before shutdown").isLessThan(commit.endLsn());
        // WAL the stream skips, as a busy server always writes (the bgwriter's xl_running_xacts every 15 s, autovacuum):
        // the keepalive after it lets the slot move on past the row's commit.
        pg.server().execute("INSERT INTO unpublished VALUES (1)");
        ReplicationConnectionRegistry registry = context.getBean(ReplicationConnectionRegistry.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(registry.connection("orders").status()
                .serverWalEnd()).as("the server's WAL end, as of its last message").isGreaterThan(commit.endLsn()));
        assertThat(confirmedFlush()).as("not confirmed by the keepalive").isLessThan(commit.endLsn());

        long started = System.nanoTime();
        context.close();
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).isLessThan(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(5)).until(() -> !slotActive());
        assertThat(confirmedFlush()).as("confirmed on close").isGreaterThanOrEqualTo(commit.endLsn());
    }

    private static Lsn confirmedFlush() {
        String lsn = pg.server().queryValue("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'shutdown_slot'");
        return Lsn.parse(lsn);
    }

    private static boolean slotActive() {
        return "t".equals(pg.server().queryValue("SELECT active FROM pg_replication_slots WHERE slot_name = 'shutdown_slot'"));
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        TestListeners.OrdersListener ordersListener() {
            return new TestListeners.OrdersListener();
        }
    }
}
