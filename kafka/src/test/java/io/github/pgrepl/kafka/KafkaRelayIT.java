package io.github.pgrepl.kafka;

import static io.github.pgrepl.kafka.RelayFixtures.confirmed;
import static io.github.pgrepl.kafka.RelayFixtures.currentWal;
import static io.github.pgrepl.kafka.RelayFixtures.poll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.kafka.RelayFixtures.Relayed;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ReplicationListener;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The relay against a real PostgreSQL and a real broker in this JVM: a mixed workload arrives on its topics, keyed,
 * with its envelope, in per-key order, next to a listener method on the same connection; transactional mode gives a
 * {@code read_committed} consumer whole PostgreSQL transactions. One server, one broker; each test its own application,
 * slot and topics.
 */
class KafkaRelayIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private static EmbeddedKafkaKraftBroker broker;

    @BeforeAll
    static void setUp() {
        broker = RelayFixtures.startBroker();
        pg.server().execute(
                "CREATE TABLE orders (id bigint PRIMARY KEY, customer text, amount numeric(10, 2), note text)",
                "ALTER TABLE orders ALTER COLUMN note SET STORAGE EXTERNAL", // out of line: an unchanged TOAST value
                "CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint, quantity int)",
                "CREATE TABLE audit (at timestamptz, what text)",
                "CREATE PUBLICATION shop_pub FOR TABLE orders, lines, audit");
    }

    @AfterAll
    static void tearDown() {
        broker.destroy();
    }

    /** A listener method on the same connection as the relay. */
    public static class Projection {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @ReplicationListener(connection = "${test.connection}", tables = "orders")
        void on(Change<Row> change) {
            seen.add(change.operation() + " " + (change.after() != null ? change.after().getLong("id") : change.key().get("id")));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class Application {
        @Bean
        Projection projection() {
            return new Projection();
        }
    }

    private static ConfigurableApplicationContext start(String connection, String... properties) {
        String prefix = "pgrepl.connections." + connection + ".";
        List<String> all = new ArrayList<>(List.of("spring.main.banner-mode=off", "test.connection=" + connection,
                prefix + "url=postgresql://localhost:" + pg.server().port() + "/postgres",
                prefix + "username=" + PgServer.SUPERUSER, prefix + "publications=shop_pub", prefix + "create-slot=true",
                prefix + "slot=" + connection + "_slot", prefix + "status-interval=100ms", prefix + "kafka.enabled=true",
                "spring.kafka.bootstrap-servers=" + broker.getBrokersAsString()));
        all.addAll(List.of(properties));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
                .properties(all.toArray(String[]::new)).run();
        await().atMost(Duration.ofSeconds(20)).until(() -> "t".equals(pg.server().queryValue(
                "SELECT active FROM pg_replication_slots WHERE slot_name = '" + connection + "_slot'")));
        return context;
    }

    @Test
    void aMixedWorkloadArrivesOnItsTopicsKeyedWithItsEnvelopeInPerKeyOrder() {
        try (ConfigurableApplicationContext context = start("mixed");
             KafkaConsumer<byte[], byte[]> consumer = RelayFixtures.consumer(broker, "mixed\\..*", false)) {
            pg.server().execute(
                    "INSERT INTO orders SELECT i, 'customer ' || i, i * 1.5, CASE WHEN i = 1 THEN repeat('x', 10000) END"
                            + " FROM generate_series(1, 20) i",
                    "UPDATE orders SET amount = amount + 1 WHERE id <= 10",
                    "UPDATE orders SET amount = amount + 1 WHERE id <= 10",
                    "UPDATE orders SET customer = 'ada' WHERE id = 1", // note not changed: not sent
                    "BEGIN; DELETE FROM orders WHERE id > 15; INSERT INTO lines SELECT i, i % 5 + 1, i FROM"
                            + " generate_series(1, 10) i; COMMIT",
                    "INSERT INTO audit VALUES (now(), 'cleanup')",
                    "TRUNCATE audit");
            Lsn end = currentWal(pg.server());
            int expected = 20 + 10 + 10 + 1 + 5 + 10 + 1 + 1;

            List<Relayed> records = poll(consumer, expected, Duration.ofSeconds(30));

            assertThat(records).hasSize(expected);
            Map<String, Long> byTopic = records.stream().collect(Collectors.groupingBy(Relayed::topic, Collectors.counting()));
            assertThat(byTopic).containsEntry("mixed.public.orders", 46L).containsEntry("mixed.public.lines", 10L)
                    .containsEntry("mixed.public.audit", 2L);

            // Per key: one partition, and the changes in the order they were made.
            Map<String, List<Relayed>> byKey = new LinkedHashMap<>();
            records.stream().filter(record -> record.topic().equals("mixed.public.orders"))
                    .forEach(record -> byKey.computeIfAbsent(record.key(), key -> new ArrayList<>()).add(record));
            assertThat(byKey).hasSize(20);
            byKey.forEach((key, changes) -> {
                assertThat(changes).extracting(Relayed::partition).as(key).containsOnly(changes.get(0).partition());
                for (int i = 1; i < changes.size(); i++) {
                    assertThat(changes.get(i).isAfter(changes.get(i - 1))).as(key + " in order").isTrue();
                }
            });
            assertThat(byKey.get("{\"id\":1}")).extracting(Relayed::op).containsExactly("c", "u", "u", "u");
            assertThat(byKey.get("{\"id\":5}")).extracting(Relayed::op).containsExactly("c", "u", "u");
            assertThat(byKey.get("{\"id\":12}")).extracting(Relayed::op).containsExactly("c");
            assertThat(byKey.get("{\"id\":18}")).extracting(Relayed::op).containsExactly("c", "d");

            Relayed insert = byKey.get("{\"id\":2}").get(0);
            assertThat(insert.text()).startsWith("{\"op\":\"c\",\"before\":null,"
                    + "\"after\":{\"id\":2,\"customer\":\"customer 2\",\"amount\":3.00,\"note\":null},\"source\":");
            assertThat(insert.value().get("source").get("schema").asString()).isEqualTo("public");
            assertThat(insert.value().get("source").get("table").asString()).isEqualTo("orders");
            assertThat(insert.value().get("source").get("lsn").asString()).isEqualTo(insert.lsn().toString());
            assertThat(insert.value().get("source").get("xid").asLong()).isEqualTo(insert.xid());
            assertThat(insert.value().get("source").get("commitTime").asString()).endsWith("Z");
            Relayed unchangedToast = byKey.get("{\"id\":1}").get(3);
            assertThat(unchangedToast.value().get("after").has("note")).isFalse();
            assertThat(unchangedToast.value().get("unchangedToast").toString()).isEqualTo("[\"note\"]");
            Relayed delete = byKey.get("{\"id\":18}").get(1);
            assertThat(delete.value().get("after").isNull()).isTrue();
            Relayed truncate = records.stream().filter(record -> record.op().equals("t")).findFirst().orElseThrow();
            assertThat(truncate.key()).isNull();
            assertThat(truncate.topic()).isEqualTo("mixed.public.audit");

            // The method listener saw its table's changes too; the slot moves on once both are done.
            Projection projection = context.getBean(Projection.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> projection.seen.size() == 46);
            assertThat(projection.seen).startsWith("INSERT 1", "INSERT 2");
            await().atMost(Duration.ofSeconds(10)).until(() -> !confirmed(pg.server(), "mixed_slot").isBefore(end));
            System.out.println("mixed workload: " + records.size() + " records on " + byTopic);
        }
    }

    @Test
    void transactionalAReadCommittedConsumerSeesWholePostgresTransactions() {
        try (ConfigurableApplicationContext context = start("tx", "pgrepl.connections.tx.kafka.transactional=true");
             KafkaConsumer<byte[], byte[]> consumer = RelayFixtures.consumer(broker, "tx\\..*", true)) {
            for (int transaction = 0; transaction < 20; transaction++) {
                int first = 1000 + transaction * 5;
                pg.server().execute("INSERT INTO lines SELECT i, " + transaction + ", 1 FROM generate_series(" + first + ", "
                        + (first + 4) + ") i");
            }
            Lsn end = currentWal(pg.server());

            List<Relayed> records = poll(consumer, 100, Duration.ofSeconds(30));

            assertThat(records).hasSize(100);
            Map<Lsn, List<Relayed>> byTransaction = records.stream()
                    .collect(Collectors.groupingBy(Relayed::lsn, LinkedHashMap::new, Collectors.toList()));
            assertThat(byTransaction).hasSize(20);
            byTransaction.forEach((lsn, changes) -> assertThat(changes).extracting(Relayed::seq).as("transaction at " + lsn)
                    .containsExactlyInAnyOrder(0, 1, 2, 3, 4));
            await().atMost(Duration.ofSeconds(10)).until(() -> !confirmed(pg.server(), "tx_slot").isBefore(end));
            KafkaRelayStatus status = context.getBean(KafkaRelay.class).status();
            assertThat(status.transactional()).isTrue();
            assertThat(status.problem()).isNull();
        }
    }
}
