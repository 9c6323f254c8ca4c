package io.github.pgrepl.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.spring.Http;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A listener failing on one row, against a real server, once per recoverer, each on a connection of its own: stop
 * (health DOWN, the slot let go, a restart through the endpoint continues from that row), skip (counted, the rest
 * delivered), dead-letter (a row with the error, the rest delivered, nothing lost across an application restart, no
 * loop through the dead-letter table itself) and the default (retries at the cap, DOWN meanwhile, recovers once the
 * listener is fixed at runtime). One application serves the tests in order; the last restarts it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ListenerErrorsIT {

    private static final List<String> CONNECTIONS = List.of("stop", "skip", "dead", "retry");

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private static ConfigurableApplicationContext context;
    private static Http http;

    record Item(long id, String name) {
    }

    /** One method per connection; each fails on item 2 while its connection's flag says broken. */
    public static class Items {
        final Map<String, List<Long>> processed = Map.of("stop", new CopyOnWriteArrayList<>(), "skip",
                new CopyOnWriteArrayList<>(), "dead", new CopyOnWriteArrayList<>(), "retry", new CopyOnWriteArrayList<>());
        final Map<String, Boolean> broken = new java.util.concurrent.ConcurrentHashMap<>(Map.of("stop", true, "skip", true,
                "dead", true, "retry", true));

        @ReplicationListener(connection = "stop", tables = "stop_items")
        void stop(Item item) {
            process("stop", item);
        }

        @ReplicationListener(connection = "skip", tables = "skip_items")
        void skip(Item item) {
            process("skip", item);
        }

        @ReplicationListener(connection = "dead", tables = "dead_items")
        void dead(Item item) {
            process("dead", item);
        }

        /** Subscribed to the dead-letter table in the same database, and always failing: it must not loop. */
        @ReplicationListener(connection = "dead", tables = "pgrepl_dead_letter")
        void alert(Map<String, Object> deadLetter) {
            throw new IllegalStateException("the alerting system is down");
        }

        @ReplicationListener(connection = "retry", tables = "retry_items")
        void retry(Item item) {
            process("retry", item);
        }

        private void process(String connection, Item item) {
            if (item.id() == 2 && broken.get(connection)) {
                throw new IllegalStateException("item 2 cannot be processed by " + connection);
            }
            processed.get(connection).add(item.id());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {
        @Bean
        Items items() {
            return new Items();
        }

        @Bean
        DataSource dataSource() {
            DriverManagerDataSource dataSource = new DriverManagerDataSource(pg.server().jdbcUrl(), PgServer.SUPERUSER, "");
            return dataSource;
        }

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @BeforeAll
    static void start() {
        List<String> sql = new ArrayList<>();
        for (String connection : CONNECTIONS) {
            sql.add("CREATE TABLE " + connection + "_items (id bigint PRIMARY KEY, name text)");
            if (!connection.equals("dead")) {
                sql.add("CREATE PUBLICATION " + connection + "_pub FOR TABLE " + connection + "_items");
            }
        }
        // The dead-letter table is created on demand, and must reach this connection's listeners too.
        sql.add("CREATE PUBLICATION dead_pub FOR ALL TABLES");
        pg.server().execute(sql.toArray(String[]::new));
        context = startApplication();
        http = new Http(Integer.parseInt(context.getEnvironment().getProperty("local.server.port")));
        for (String connection : CONNECTIONS) {
            await().atMost(Duration.ofSeconds(20)).until(() -> slotActive(connection));
        }
    }

    @AfterAll
    static void stopApplication() {
        if (context != null) {
            context.close();
        }
    }

    private static ConfigurableApplicationContext startApplication() {
        List<String> properties = new ArrayList<>(List.of("spring.main.banner-mode=off", "server.port=0",
                "management.endpoints.web.exposure.include=health,pgrepl", "management.endpoint.pgrepl.access=unrestricted",
                "management.endpoint.health.show-details=always"));
        for (String connection : CONNECTIONS) {
            String prefix = "pgrepl.connections." + connection + ".";
            properties.addAll(List.of(prefix + "url=postgresql://localhost:" + pg.server().port() + "/postgres",
                    prefix + "username=" + PgServer.SUPERUSER, prefix + "slot=" + connection + "_slot",
                    prefix + "publications=" + connection + "_pub", prefix + "create-slot=true",
                    prefix + "status-interval=100ms", prefix + "listener.max-attempts=2",
                    prefix + "listener.retry-backoff=50ms", prefix + "listener.max-backoff=300ms"));
        }
        properties.addAll(List.of("pgrepl.connections.stop.listener.recoverer=stop",
                "pgrepl.connections.stop.availability=readiness", "management.endpoint.health.probes.enabled=true",
                "pgrepl.connections.skip.listener.recoverer=skip", "pgrepl.connections.dead.listener.recoverer=dead-letter"));
        return new SpringApplicationBuilder(App.class).properties(properties.toArray(String[]::new)).run();
    }

    private static boolean slotActive(String connection) {
        return "t".equals(pg.server().queryValue("SELECT active FROM pg_replication_slots WHERE slot_name = '" + connection
                + "_slot'"));
    }

    private static Lsn confirmed(String connection) {
        return Lsn.parse(pg.server().queryValue("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '"
                + connection + "_slot'"));
    }

    private static Lsn currentWal() {
        return Lsn.parse(pg.server().queryValue("SELECT pg_current_wal_insert_lsn()"));
    }

    private static void insertItems(String connection, long... ids) {
        for (long id : ids) {
            pg.server().execute("INSERT INTO " + connection + "_items VALUES (" + id + ", 'item " + id + "')");
        }
    }

    private static DocumentContext health(String connection) {
        return JsonPath.parse(http.getJson("/actuator/health/replication").read("$.components." + connection, Object.class));
    }

    /** Failed attempts on the change a connection's listener is failing on; 0 when none fails. */
    private static int attempts(String connection) {
        Map<String, Object> details = health(connection).read("$.details");
        return details.get("attempts") instanceof Integer attempts ? attempts : 0;
    }

    private static Items items() {
        return context.getBean(Items.class);
    }

    private static double meter(String name, String connection) {
        return context.getBean(MeterRegistry.class).get(name).tag("connection", connection).functionCounter().count();
    }

    @Test
    @Order(1)
    void stopHoldsTheConnectionDownUntilARestartThroughTheEndpointContinuesFromThatChange() {
        insertItems("stop", 1, 2, 3);

        // details.stopped appears with the listener's failure: until then the details have no such key.
        await().atMost(Duration.ofSeconds(10)).until(() -> Boolean.TRUE.equals(
                health("stop").read("$.details", Map.class).get("stopped")));
        DocumentContext down = health("stop");
        assertThat(down.read("$.status", String.class)).isEqualTo("DOWN");
        assertThat(down.read("$.details.listener", String.class)).isEqualTo("items.stop");
        assertThat(down.read("$.details.failedChange", String.class)).startsWith("INSERT public.stop_items key {id=2}");
        assertThat(down.read("$.details.listenerError", String.class))
                .isEqualTo("IllegalStateException: item 2 cannot be processed by stop");
        assertThat(down.read("$.details.reason", String.class)).contains("{\"action\":\"restart\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> !slotActive("stop")); // stopped: the slot is let go
        assertThat(http.getJson("/actuator/pgrepl/stop").read("$.stopped", Boolean.class)).isTrue();
        assertThat(http.getJson("/actuator/health/readiness").read("$.status", String.class))
                .as("availability=readiness: the probe says the application refuses traffic").isEqualTo("OUT_OF_SERVICE");
        insertItems("stop", 4);
        assertThat(items().processed.get("stop")).containsExactly(1L);

        items().broken.put("stop", false);
        DocumentContext restarted = http.postJson("/actuator/pgrepl/stop", "{\"action\": \"restart\"}");

        assertThat(restarted.read("$.name", String.class)).isEqualTo("stop");
        await().atMost(Duration.ofSeconds(10)).until(() -> items().processed.get("stop").size() == 4);
        assertThat(items().processed.get("stop")).containsExactly(1L, 2L, 3L, 4L);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            DocumentContext health = health("stop");
            assertThat(health.read("$.status", String.class)).as(health.jsonString()).isEqualTo("UP");
            assertThat(slotActive("stop")).as("slot active").isTrue();
        });
        assertThat(context.getBean(ApplicationAvailability.class).getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
    }

    @Test
    @Order(2)
    void skipCountsTheChangeAndDeliversTheRest() {
        insertItems("skip", 1, 2, 3);
        Lsn written = currentWal();

        await().atMost(Duration.ofSeconds(10)).until(() -> items().processed.get("skip").size() == 2);
        assertThat(items().processed.get("skip")).containsExactly(1L, 3L);
        assertThat(meter("pgrepl.listener.skipped", "skip")).isEqualTo(1);
        assertThat(meter("pgrepl.listener.errors", "skip")).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> confirmed("skip").compareTo(written) >= 0);
        assertThat(health("skip").read("$.status", String.class)).isEqualTo("UP");
    }

    @Test
    @Order(3)
    void byDefaultAFailingChangeIsRetriedAtTheCapWhileDownAndGoesThroughOnceTheListenerIsFixed() {
        insertItems("retry", 1, 2, 3);

        await().atMost(Duration.ofSeconds(10)).until(() -> attempts("retry") >= 4);
        DocumentContext down = health("retry");
        assertThat(down.read("$.status", String.class)).isEqualTo("DOWN");
        assertThat(down.read("$.details.stopped", Boolean.class)).isFalse();
        assertThat(down.read("$.details.reason", String.class)).contains("is failing on INSERT public.retry_items key {id=2}");
        assertThat(slotActive("retry")).as("never halted: the session and its slot stay").isTrue();
        assertThat(items().processed.get("retry")).containsExactly(1L);

        items().broken.put("retry", false);

        await().atMost(Duration.ofSeconds(10)).until(() -> items().processed.get("retry").size() == 3);
        assertThat(items().processed.get("retry")).containsExactly(1L, 2L, 3L);
        await().atMost(Duration.ofSeconds(5)).until(() -> "UP".equals(health("retry").read("$.status")));
    }

    @Test
    @Order(4)
    void deadLetterWritesTheChangeWithItsErrorDeliversTheRestAndLosesNothingAcrossARestart() {
        insertItems("dead", 1, 2, 3);
        Lsn written = currentWal();

        await().atMost(Duration.ofSeconds(10)).until(() -> items().processed.get("dead").size() == 2);
        assertThat(items().processed.get("dead")).containsExactly(1L, 3L);
        List<List<String>> deadLetters = pg.server().query("SELECT connection, listener, table_name, operation, xid IS NOT NULL,"
                + " lsn IS NOT NULL, change->'key'->>'id', change->'after'->>'name', error, attempts FROM pgrepl_dead_letter");
        assertThat(deadLetters).containsExactly(List.of("dead", "items.dead", "public.dead_items", "INSERT", "t", "t", "2",
                "item 2", "java.lang.IllegalStateException: item 2 cannot be processed by dead", "2"));
        // The alerting listener of the dead-letter table failed on that row, which was not written back: no loop.
        await().atMost(Duration.ofSeconds(10)).until(() -> meter("pgrepl.listener.skipped", "dead") == 1);
        assertThat(meter("pgrepl.listener.recovered", "dead")).isEqualTo(1);
        assertThat(pg.server().queryValue("SELECT count(*) FROM pgrepl_dead_letter")).isEqualTo("1");
        await().atMost(Duration.ofSeconds(10)).until(() -> confirmed("dead").compareTo(written) >= 0);

        context.close();
        insertItems("dead", 4);
        context = startApplication();
        await().atMost(Duration.ofSeconds(20)).until(() -> items().processed.get("dead").contains(4L));

        assertThat(items().processed.get("dead")).as("nothing again, nothing lost").containsExactly(4L);
        assertThat(pg.server().queryValue("SELECT count(*) FROM pgrepl_dead_letter")).isEqualTo("1");
    }
}
