package io.github.pgrepl.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.DocumentContext;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter in a web application against a real PostgreSQL, seen the way an operator sees it: over HTTP. The tests
 * share one application and run in order; the last one stops and restarts the server.
 */
@SpringBootTest(classes = ReplicationApplicationIT.App.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=health,pgrepl",
        "management.endpoint.pgrepl.access=unrestricted",
        "management.endpoint.health.show-details=always",
        "pgrepl.health.reconnect-grace-period=3s",
        "pgrepl.connections.orders.publications=orders_pub",
        "pgrepl.connections.orders.create-slot=true",
        "pgrepl.connections.orders.reconnect.min-backoff=200ms",
        "pgrepl.connections.orders.reconnect.max-backoff=1s" })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicationApplicationIT {

    private static final String WAL_SENDER_TIMEOUT = "2s";

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("wal_sender_timeout", WAL_SENDER_TIMEOUT).build();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("pgrepl.connections.orders.url", () -> "jdbc:postgresql://localhost:" + pg.server().port() + "/postgres");
        registry.add("pgrepl.connections.orders.username", () -> PgServer.SCRAM_USER);
        registry.add("pgrepl.connections.orders.password", () -> PgServer.PASSWORD);
    }

    @BeforeAll
    static void schema() {
        pg.server().execute("CREATE TABLE orders (id bigint PRIMARY KEY, item text)",
                "CREATE PUBLICATION orders_pub FOR TABLE orders");
    }

    @LocalServerPort
    int port;

    @Autowired
    TestListeners.OrdersListener listener;

    @Test
    @Order(1)
    void healthIsUpWithTheConnectionsDetails() {
        Http http = new Http(port);
        await().atMost(Duration.ofSeconds(20)).until(() -> "STREAMING".equals(orders(http).read("$.details.state")));

        String body = http.get("/actuator/health/replication");
        DocumentContext orders = orders(http);
        assertThat(orders.read("$.status", String.class)).isEqualTo("UP");
        assertThat(orders.read("$.details.paused", Boolean.class)).isFalse();
        assertThat(orders.read("$.details.slot", String.class)).isEqualTo("pgrepl_orders");
        for (String detail : new String[] { "lastReceivedLsn", "lastFlushedLsn", "lagBytes", "reconnectAttempts" }) {
            assertThat(orders.read("$.details." + detail, Object.class)).as(detail).isNotNull();
        }
        assertThat(body + http.get("/actuator/pgrepl")).doesNotContain(PgServer.PASSWORD);
    }

    @Test
    @Order(2)
    void anInsertedRowReachesTheListenerAndItsCommitIsConfirmed() {
        Http http = new Http(port);
        pg.server().execute("INSERT INTO orders VALUES (1, 'book')");

        ChangeEvent.Commit commit = await().atMost(Duration.ofSeconds(10)).until(() -> commitAfterInsertOf(1), Optional::isPresent)
                .orElseThrow();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                Lsn.parse(orders(http).read("$.details.lastFlushedLsn", String.class))).isGreaterThanOrEqualTo(commit.endLsn()));
        assertThat(Lsn.parse(pg.server().queryValue(
                "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'pgrepl_orders'")))
                .isGreaterThanOrEqualTo(commit.commitLsn());
    }

    @Test
    @Order(3)
    void aPauseThroughTheEndpointStopsDeliveryWhileHealthStaysUp() {
        Http http = new Http(port);
        DocumentContext paused = http.postJson("/actuator/pgrepl/orders", "{\"paused\": true}");
        try {
            assertThat(paused.read("$.paused", Boolean.class)).isTrue();
            pg.server().execute("INSERT INTO orders VALUES (2, 'lamp')");

            // Past twice wal_sender_timeout: the server would have dropped a session whose status updates stopped (the
            // backend PID below says it did not). Two HTTP calls a poll: atMost leaves them room on a loaded machine.
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        assertThat(insertOf(2)).as("the row inserted while paused").isEmpty();
                        DocumentContext orders = orders(http);
                        assertThat(orders.read("$.status", String.class)).as(orders.jsonString()).isEqualTo("UP");
                        assertThat(orders.read("$.details.paused", Boolean.class)).as(orders.jsonString()).isTrue();
                    });
            assertThat(orders(http).read("$.details.pausedSince", String.class)).isNotBlank();
            assertThat(http.getJson("/actuator/pgrepl/orders").read("$.backendPid", Integer.class))
                    .as("the same session: status updates kept it alive").isEqualTo(paused.read("$.backendPid", Integer.class));
        } finally {
            DocumentContext resumed = http.postJson("/actuator/pgrepl/orders", "{\"paused\": false}");
            assertThat(resumed.read("$.paused", Boolean.class)).isFalse();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> insertOf(2).isPresent());
        assertThat(orders(http).read("$.status", String.class)).isEqualTo("UP");
    }

    @Test
    @Order(4)
    void aStoppedServerIsDownAndARestartedOneIsUpAgain() {
        Http http = new Http(port);
        pg.server().stop();
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> "DOWN".equals(orders(http).read("$.status")));
            assertThat(http.get("/actuator/health")).contains("\"status\":\"DOWN\"");
        } finally {
            pg.server().start();
        }

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            DocumentContext orders = orders(http);
            assertThat(orders.read("$.status", String.class)).as(orders.jsonString()).isEqualTo("UP");
            assertThat(orders.read("$.details.state", String.class)).as(orders.jsonString()).isEqualTo("STREAMING");
        });
        pg.server().execute("INSERT INTO orders VALUES (3, 'chair')");
        await().atMost(Duration.ofSeconds(10)).until(() -> insertOf(3).isPresent());
    }

    private static DocumentContext orders(Http http) {
        return com.jayway.jsonpath.JsonPath.parse(http.getJson("/actuator/health/replication")
                .read("$.components.orders", Object.class));
    }

    private Optional<ChangeEvent.Insert> insertOf(long id) {
        return listener.events.stream().filter(ChangeEvent.Insert.class::isInstance).map(ChangeEvent.Insert.class::cast)
                .filter(insert -> insert.newRow().getLong("id") == id).findFirst();
    }

    private Optional<ChangeEvent.Commit> commitAfterInsertOf(long id) {
        boolean seen = false;
        for (ChangeEvent event : listener.events) {
            if (event instanceof ChangeEvent.Insert insert && insert.newRow().getLong("id") == id) {
                seen = true;
            } else if (seen && event instanceof ChangeEvent.Commit commit) {
                return Optional.of(commit);
            }
        }
        return Optional.empty();
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
