package io.github.pgrepl.spring.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.spring.TestListeners;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** {@code @ServiceConnection} on a real PostgreSQL container wires the connection; skipped where Docker is missing. */
@Testcontainers(disabledWithoutDocker = true)
@SpringBootTest(classes = ServiceConnectionIT.App.class, webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "pgrepl.connections.orders.publications=orders_pub",
        "pgrepl.connections.orders.create-slot=true",
        "pgrepl.connections.orders.create-publication=true" })
class ServiceConnectionIT {

    @Container
    @ServiceConnection
    static final PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:18-alpine")
            .withCommand("postgres", "-c", "wal_level=logical")
            .withInitScript("testcontainers/orders.sql");

    @Autowired
    ReplicationConnectionRegistry registry;

    @Autowired
    TestListeners.OrdersListener listener;

    @Test
    void theContainerIsWhereTheConnectionStreamsFrom() throws Exception {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> registry.connection("orders").status().state() == ConnectionState.STREAMING);
        assertThat(registry.connection("orders").settings().config().port()).isEqualTo(postgres.getFirstMappedPort());

        try (var connection = postgres.createConnection(""); var statement = connection.createStatement()) {
            statement.execute("INSERT INTO orders VALUES (1)");
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> listener.events.stream().anyMatch(ChangeEvent.Insert.class::isInstance));
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
