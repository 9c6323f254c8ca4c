package io.github.pgrepl.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
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
 * rare here (and the server patient), so that only the final one, sent on close, can have confirmed the row.
 */
class GracefulShutdownIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("wal_sender_timeout", "10min").build();

    @Test
    void shutdownConfirmsTheLastProcessedPosition() {
        pg.server().execute("CREATE TABLE items (id bigint PRIMARY KEY)", "CREATE PUBLICATION items_pub FOR TABLE items");
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

        long started = System.nanoTime();
        context.close();
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).isLessThan(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(5)).until(() -> !slotActive());
        assertThat(confirmedFlush()).isEqualTo(commit.endLsn());
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
