package io.github.pgrepl.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;

import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.Operation;
import io.github.pgrepl.spring.listener.ReplicationListener;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * Snapshots in a Spring application, as its listener methods and an operator see them: the initial snapshot's rows
 * arrive as READ changes before the stream, {@code POST /actuator/pgrepl/orders/snapshot} starts an incremental one
 * (202), refuses a second while it runs (409) and bad tables (400), and the endpoint shows its progress.
 */
@SpringBootTest(classes = SnapshotApplicationIT.App.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=health,pgrepl",
        "management.endpoint.pgrepl.access=unrestricted",
        "management.endpoint.health.show-details=always",
        "management.health.replication.reconnect-grace-period=1s",
        "server.error.include-message=always",
        "pgrepl.connections.orders.publications=snap_pub",
        "pgrepl.connections.orders.create-slot=true",
        "pgrepl.connections.orders.snapshot.mode=initial",
        "pgrepl.connections.orders.snapshot.chunk-size=100" })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SnapshotApplicationIT {

    private static final int ROWS = 5_000;

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("pgrepl.connections.orders.url", () -> "jdbc:postgresql://localhost:" + pg.server().port() + "/postgres");
        registry.add("pgrepl.connections.orders.username", () -> PgServer.SCRAM_USER);
        registry.add("pgrepl.connections.orders.password", () -> PgServer.PASSWORD);
    }

    @BeforeAll
    static void schema() {
        pg.server().execute("CREATE TABLE snap_orders (id bigint PRIMARY KEY, item text)",
                "INSERT INTO snap_orders SELECT g, 'item ' || g FROM generate_series(1, " + ROWS + ") g",
                "CREATE TABLE snap_notes (note text)",
                "CREATE PUBLICATION snap_pub FOR TABLE snap_orders, snap_notes",
                // The application's role replicates, and reads what it snapshots: no superuser.
                "GRANT SELECT ON snap_orders, snap_notes TO " + PgServer.SCRAM_USER);
    }

    @LocalServerPort
    int port;

    @Autowired
    Orders orders;

    @Test
    @Order(1)
    void theInitialSnapshotsRowsReachListenerMethodsAsReadChangesWhileHealthStaysUp() {
        Http http = new Http(port);
        List<String> notUp = new CopyOnWriteArrayList<>();
        AtomicBoolean sawSnapshot = new AtomicBoolean();
        // The snapshot outlasts the grace period (a slow listener): the stream has not started, yet nothing is wrong.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            String health = http.get("/actuator/health/replication");
            if (!"UP".equals(JsonPath.parse(health).read("$.status"))) {
                notUp.add(health);
            }
            sawSnapshot.compareAndSet(false, health.contains("\"snapshot\":\"initial snapshot"));
            assertThat(orders.reads.size()).as("rows read").isEqualTo(ROWS);
            assertThat(http.getJson("/actuator/pgrepl/orders").read("$.state", String.class)).isEqualTo("STREAMING");
        });
        orders.slow = false;
        assertThat(notUp).isEmpty();
        assertThat(sawSnapshot).isTrue();
        assertThat(orders.reads.get(1L)).satisfies(read -> {
            assertThat(read.operation()).isEqualTo(Operation.READ);
            assertThat(read.after().item()).isEqualTo("item 1");
            assertThat(read.key()).isEqualTo(Map.of("id", 1L));
            assertThat(read.source().table()).isEqualTo("snap_orders");
            assertThat(read.source().lsn()).isNull();
        });
        DocumentContext connection = http.getJson("/actuator/pgrepl/orders");
        assertThat(connection.read("$.snapshot.kind", String.class)).isEqualTo("INITIAL");
        assertThat(connection.read("$.snapshot.state", String.class)).isEqualTo("COMPLETED");
        assertThat(connection.read("$.snapshot.rows", Long.class)).isEqualTo(ROWS);

        pg.server().execute("INSERT INTO snap_orders VALUES (" + (ROWS + 1) + ", 'after')");
        await().atMost(Duration.ofSeconds(10)).until(() -> orders.inserts.contains((long) ROWS + 1));
    }

    @Test
    @Order(2)
    void theEndpointStartsAnIncrementalSnapshotAndRefusesASecondWhileItRuns() {
        Http http = new Http(port);
        orders.reads.clear();
        HttpResponse<String> started = http.post("/actuator/pgrepl/orders/snapshot", "{\"tables\": \"public.snap_orders\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        DocumentContext progress = JsonPath.parse(started.body());
        assertThat(progress.read("$.kind", String.class)).isEqualTo("INCREMENTAL");
        assertThat(progress.read("$.state", String.class)).isEqualTo("RUNNING");
        assertThat(progress.read("$.tables[0].table", String.class)).isEqualTo("public.snap_orders");

        HttpResponse<String> second = http.post("/actuator/pgrepl/orders/snapshot", "{}");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(409);
        assertThat(JsonPath.parse(second.body()).read("$.reason", String.class)).isEqualTo("RUNNING");
        assertThat(JsonPath.parse(second.body()).read("$.message", String.class)).contains("one runs at a time");

        await().atMost(Duration.ofSeconds(60)).until(() -> "COMPLETED".equals(
                http.getJson("/actuator/pgrepl/orders").read("$.snapshot.state")));
        DocumentContext done = http.getJson("/actuator/pgrepl/orders");
        assertThat(done.read("$.snapshot.rows", Long.class)).isEqualTo(ROWS + 1);
        assertThat(done.read("$.snapshot.tables[0].chunks", Long.class)).isGreaterThanOrEqualTo(ROWS / 100);
        await().atMost(Duration.ofSeconds(10)).until(() -> orders.reads.size() == ROWS + 1);
    }

    @Test
    @Order(3)
    void badRequestsAreRefusedWithTheReason() {
        Http http = new Http(port);
        HttpResponse<String> unknown = http.post("/actuator/pgrepl/orders/snapshot", "{\"tables\": \"snap_orders,no_such_table\"}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(JsonPath.parse(unknown.body()).read("$.reason", String.class)).isEqualTo("UNKNOWN_TABLE");
        HttpResponse<String> keyless = http.post("/actuator/pgrepl/orders/snapshot", "{\"tables\": \"snap_notes\"}");
        assertThat(keyless.statusCode()).isEqualTo(400);
        assertThat(JsonPath.parse(keyless.body()).read("$.reason", String.class)).isEqualTo("NO_KEY");
        assertThat(JsonPath.parse(keyless.body()).read("$.message", String.class)).contains("ADD PRIMARY KEY");
        // The actuator reads bodies as string values: a JSON array is a bad request (say "a,b").
        assertThat(http.post("/actuator/pgrepl/orders/snapshot", "{\"tables\": [\"snap_orders\"]}").statusCode())
                .isEqualTo(400);
        assertThat(http.post("/actuator/pgrepl/nope/snapshot", "{}").statusCode()).isEqualTo(404);
        assertThat(http.post("/actuator/pgrepl/orders/unknown", "{}").statusCode()).isEqualTo(404);
    }

    record SnapOrder(long id, String item) {
    }

    public static class Orders {
        final Map<Long, Change<SnapOrder>> reads = new ConcurrentHashMap<>();
        final List<Long> inserts = new CopyOnWriteArrayList<>();
        volatile boolean slow = true;

        @ReplicationListener(connection = "orders", tables = "snap_orders", operations = Operation.READ)
        void onRead(Change<SnapOrder> change) throws InterruptedException {
            if (slow && change.after().id() % 4 == 0) {
                Thread.sleep(5); // a slow listener: the initial snapshot lasts longer than the health's grace period
            }
            reads.put(change.after().id(), change);
        }

        @ReplicationListener(connection = "orders", tables = "snap_orders", operations = Operation.INSERT)
        void onInsert(SnapOrder order) {
            inserts.add(order.id());
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        Orders orders() {
            return new Orders();
        }
    }
}
