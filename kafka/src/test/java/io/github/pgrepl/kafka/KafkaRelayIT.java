package io.github.pgrepl.kafka;

import static io.github.pgrepl.kafka.RelayFixtures.confirmed;
import static io.github.pgrepl.kafka.RelayFixtures.currentWal;
import static io.github.pgrepl.kafka.RelayFixtures.poll;
import static io.github.pgrepl.kafka.RelayFixtures.pollRows;
import static io.github.pgrepl.kafka.RelayFixtures.raiseMaxMessageBytes;
import static io.github.pgrepl.kafka.RelayFixtures.withoutCopies;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.kafka.RelayFixtures.Relayed;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.pgoutput.SnapshotProgress;
import io.github.pgrepl.spring.connection.ListenerControl;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
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

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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
 * {@code read_committed} consumer whole PostgreSQL transactions; the rows of initial and incremental snapshots arrive
 * once each, as READ, before the rows' later changes, and a refused one keeps the initial snapshot from completing. One
 * server, one broker; each test its own application, slot and topics.
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
        ConfigurableApplicationContext context = run(connection, "shop_pub", properties);
        awaitStreaming(connection);
        return context;
    }

    /** The application, without waiting for the stream (an initial snapshot comes first). */
    private static ConfigurableApplicationContext run(String connection, String publication, String... properties) {
        String prefix = "pgrepl.connections." + connection + ".";
        List<String> all = new ArrayList<>(List.of("spring.main.banner-mode=off", "test.connection=" + connection,
                prefix + "url=postgresql://localhost:" + pg.server().port() + "/postgres",
                prefix + "username=" + PgServer.SUPERUSER, prefix + "publications=" + publication, prefix + "create-slot=true",
                prefix + "slot=" + connection + "_slot", prefix + "status-interval=100ms", prefix + "kafka.enabled=true",
                "spring.kafka.bootstrap-servers=" + broker.getBrokersAsString()));
        all.addAll(List.of(properties));
        return new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
                .properties(all.toArray(String[]::new)).run();
    }

    private static void awaitStreaming(String connection) {
        await().atMost(Duration.ofSeconds(30)).until(() -> "t".equals(pg.server().queryValue(
                "SELECT active FROM pg_replication_slots WHERE slot_name = '" + connection + "_slot'")));
    }

    /** The initial snapshot has not completed: no slot, no stream. */
    private static void assertNotStarted(ReplicationConnectionRegistry connections, String name) {
        assertThat(connections.connection(name).status().state()).isNotEqualTo(ConnectionState.STREAMING);
        assertThat(pg.server().queryValue("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "_slot'"))
                .as("slots named " + name + "_slot").isEqualTo("0");
    }

    /** A table of its own, {@code rows} rows in it, in a publication of its own ({@code <table>_pub}), and its topic. */
    private static void table(String table, int rows) {
        table(table, rows, Map.of());
    }

    /** As {@link #table(String, int)}, its topic made with {@code topicConfig}. */
    private static void table(String table, int rows, Map<String, String> topicConfig) {
        pg.server().execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, item text)",
                "INSERT INTO " + table + " SELECT i, 'item ' || i FROM generate_series(1, " + rows + ") i",
                "CREATE PUBLICATION " + table + "_pub FOR TABLE " + table);
        broker.addTopics(new NewTopic(table + ".public." + table, 3, (short) 1).configs(topicConfig));
    }

    /**
     * Makes the topics of {@code tables} before the relay's first record. A partition the broker is still creating
     * when the first records arrive can leave Kafka's idempotent producer retrying {@code OUT_OF_ORDER_SEQUENCE_NUMBER}
     * until the relay's watchdog replaces it, an ack timeout later (KafkaRelayTest covers that): not what these tests
     * are about.
     */
    private static void topics(String connection, String... tables) {
        for (String table : tables) {
            broker.addTopics(new NewTopic(connection + ".public." + table, 3, (short) 1));
        }
    }

    /** The records by key, in the order their partition has them; every key on one partition. */
    private static Map<Long, List<Relayed>> byRow(List<Relayed> records) {
        Map<Long, List<Relayed>> byRow = new LinkedHashMap<>();
        records.forEach(record -> byRow.computeIfAbsent(record.id(), id -> new ArrayList<>()).add(record));
        byRow.forEach((id, changes) -> {
            assertThat(changes).extracting(Relayed::partition).as("row " + id).containsOnly(changes.get(0).partition());
            for (int i = 1; i < changes.size(); i++) {
                assertThat(changes.get(i).isAfter(changes.get(i - 1))).as("row " + id + " in (lsn, seq) order").isTrue();
            }
        });
        return byRow;
    }

    @Test
    void aMixedWorkloadArrivesOnItsTopicsKeyedWithItsEnvelopeInPerKeyOrder() {
        topics("mixed", "orders", "lines", "audit");
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
        topics("tx", "lines");
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

    @ParameterizedTest(name = "transactional={0}")
    @ValueSource(booleans = {false, true})
    void anInitialSnapshotsRowsArriveOnceAsReadBeforeTheStreamsChanges(boolean transactional) {
        String name = transactional ? "seedtx" : "seed";
        int rows = 500;
        table(name, rows);
        // 16 KB in flight: a transactional relay commits the snapshot's ~100 KB in several Kafka transactions.
        try (ConfigurableApplicationContext context = run(name, name + "_pub", "pgrepl.connections." + name
                        + ".snapshot.mode=initial", "pgrepl.connections." + name + ".kafka.max-in-flight=16KB",
                "pgrepl.connections." + name + ".kafka.transactional=" + transactional);
             KafkaConsumer<byte[], byte[]> consumer = RelayFixtures.consumer(broker, name + "\\..*", transactional)) {
            awaitStreaming(name);
            pg.server().execute("UPDATE " + name + " SET item = 'updated' WHERE id <= 10",
                    "DELETE FROM " + name + " WHERE id > 490",
                    "INSERT INTO " + name + " SELECT i, 'new' FROM generate_series(" + (rows + 1) + ", " + (rows + 5) + ") i");
            Lsn end = currentWal(pg.server());
            int expected = rows + 10 + 10 + 5;

            List<Relayed> records = poll(consumer, expected, Duration.ofSeconds(30));

            assertThat(records).hasSize(expected);
            Map<Long, List<Relayed>> byRow = byRow(records);
            assertThat(byRow).hasSize(rows + 5);
            for (long id = 1; id <= rows; id++) {
                List<Relayed> changes = byRow.get(id);
                assertThat(changes).extracting(Relayed::op).as("row " + id).containsOnlyOnce("r").first().isEqualTo("r");
                Relayed read = changes.get(0);
                assertThat(read.lsn()).isEqualTo(Lsn.ZERO);
                assertThat(read.xid()).isZero();
                assertThat(read.value().get("after").get("item").asString()).isEqualTo("item " + id);
                assertThat(read.value().get("source").get("lsn").isNull()).isTrue();
            }
            assertThat(byRow.get(3L)).extracting(Relayed::op).containsExactly("r", "u");
            assertThat(byRow.get(495L)).extracting(Relayed::op).containsExactly("r", "d");
            assertThat(byRow.get((long) rows + 1)).extracting(Relayed::op).containsExactly("c");
            assertThat(records.stream().filter(record -> record.op().equals("r")).map(Relayed::seq).distinct().count())
                    .as("seq: the row's place in the table's snapshot").isEqualTo(rows);
            await().atMost(Duration.ofSeconds(10)).until(() -> !confirmed(pg.server(), name + "_slot").isBefore(end));
            assertThat(context.getBean(KafkaRelay.class).status().problem()).isNull();
        }
    }

    @ParameterizedTest(name = "transactional={0}")
    @ValueSource(booleans = {false, true})
    void anIncrementalSnapshotsRowsArriveOnceAsReadInTheirWatermarkTransactions(boolean transactional) {
        String name = transactional ? "chunktx" : "chunk";
        int rows = 250;
        table(name, rows);
        try (ConfigurableApplicationContext context = run(name, name + "_pub", "pgrepl.connections." + name
                        + ".snapshot.chunk-size=100", "pgrepl.connections." + name + ".kafka.transactional=" + transactional);
             KafkaConsumer<byte[], byte[]> consumer = RelayFixtures.consumer(broker, name + "\\..*", transactional)) {
            awaitStreaming(name);
            PgOutputHandler handler = context.getBean(ReplicationConnectionRegistry.class).connection(name).pgOutputHandler()
                    .orElseThrow();
            pg.server().execute("UPDATE " + name + " SET item = 'before' WHERE id = 1");
            handler.snapshot(List.of("public." + name)).join();
            await().atMost(Duration.ofSeconds(30)).until(() -> handler.snapshotProgress()
                    .filter(progress -> progress.state() == SnapshotProgress.State.COMPLETED).isPresent());
            pg.server().execute("UPDATE " + name + " SET item = 'after' WHERE id = 2");
            Lsn end = currentWal(pg.server());

            List<Relayed> records = poll(consumer, rows + 2, Duration.ofSeconds(30));

            assertThat(records).hasSize(rows + 2);
            Map<Long, List<Relayed>> byRow = byRow(records);
            assertThat(byRow).hasSize(rows);
            byRow.forEach((id, changes) -> assertThat(changes).extracting(Relayed::op).as("row " + id).containsOnlyOnce("r"));
            assertThat(byRow.get(1L)).extracting(Relayed::op).containsExactly("u", "r");
            assertThat(byRow.get(1L).get(1).value().get("after").get("item").asString()).isEqualTo("before");
            assertThat(byRow.get(2L)).extracting(Relayed::op).containsExactly("r", "u");
            // Each chunk's rows are one watermark transaction's records: its lsn and xid, seq from 0.
            Map<Lsn, List<Relayed>> chunks = records.stream().filter(record -> record.op().equals("r"))
                    .collect(Collectors.groupingBy(Relayed::lsn, LinkedHashMap::new, Collectors.toList()));
            assertThat(chunks).hasSize(3);
            chunks.forEach((lsn, chunk) -> {
                assertThat(chunk).extracting(Relayed::xid).as("chunk at " + lsn).containsOnly(chunk.get(0).xid()).doesNotContain(0L);
                assertThat(chunk).extracting(Relayed::seq).as("chunk at " + lsn).containsExactlyInAnyOrderElementsOf(
                        java.util.stream.IntStream.range(0, chunk.size()).boxed().toList());
                assertThat(chunk.get(0).value().get("source").get("lsn").asString()).isEqualTo(lsn.toString());
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> !confirmed(pg.server(), name + "_slot").isBefore(end));
        }
    }

    @Test
    void aRowTheBrokerRefusesKeepsTheInitialSnapshotFromCompletingUntilTheTopicTakesIt() throws Exception {
        String name = "refused";
        table(name, 50, Map.of("max.message.bytes", "2000"));
        pg.server().execute("UPDATE refused SET item = repeat('x', 3000) WHERE id = 25");
        String topic = "refused.public.refused";
        String prefix = "pgrepl.connections." + name + ".";
        try (ConfigurableApplicationContext context = run(name, name + "_pub", prefix + "snapshot.mode=initial",
                prefix + "listener.retry-backoff=100ms", prefix + "listener.max-backoff=300ms", prefix + "kafka.ack-timeout=1s");
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
             KafkaConsumer<byte[], byte[]> consumer = RelayFixtures.consumer(broker, "refused\\..*", false)) {
            KafkaRelay relay = context.getBean(KafkaRelay.class);
            ReplicationConnectionRegistry connections = context.getBean(ReplicationConnectionRegistry.class);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(relay.status().problem()).as("relay problem").isNotNull().contains("not delivered"));
            // Refused: the snapshot does not complete, the slot is not made, the stream does not start. A made slot
            // stays: atMost's margin cannot hide one.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertNotStarted(
                    connections, name));

            raiseMaxMessageBytes(admin, topic);
            awaitStreaming(name);
            pg.server().execute("INSERT INTO refused VALUES (51, 'streamed')");

            // At least once: the relay may have sent a record again after the refusal; its copies are dropped, and
            // each row then has the changes it should, in order, once.
            List<Relayed> records = withoutCopies(pollRows(consumer, 51, Duration.ofSeconds(30)));
            Map<Long, List<Relayed>> byRow = byRow(records);
            assertThat(byRow).hasSize(51);
            assertThat(byRow.get(25L)).extracting(Relayed::op).containsExactly("r");
            assertThat(byRow.get(51L)).extracting(Relayed::op).containsExactly("c");
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().isHealthy());
        }
    }

    @Test
    void aChangeTheBrokerRefusesHoldsConfirmationUntilTheTopicTakesItThenEveryChangeArrives() throws Exception {
        String name = "bulky";
        table(name, 0, Map.of("max.message.bytes", "2000"));
        String topic = "bulky.public.bulky";
        String prefix = "pgrepl.connections." + name + ".";
        try (ConfigurableApplicationContext context = run(name, name + "_pub", prefix + "listener.retry-backoff=100ms",
                prefix + "listener.max-backoff=300ms", prefix + "kafka.ack-timeout=1s");
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
             KafkaConsumer<byte[], byte[]> consumer = RelayFixtures.consumer(broker, "bulky\\..*", false)) {
            awaitStreaming(name);
            KafkaRelay relay = context.getBean(KafkaRelay.class);
            // One transaction of 5,000 rows, the 2,500th too large for its topic: when the broker refuses it, the records
            // after it on its partition are in flight (the case where an idempotent producer can retry them for good).
            pg.server().execute("INSERT INTO bulky SELECT i, CASE WHEN i = 2500 THEN repeat('x', 3000) ELSE 'item ' || i"
                    + " END FROM generate_series(1, 5000) i");
            // Refused (or stuck): health DOWN, the slot not confirmed up to the transaction's commit.
            await().atMost(Duration.ofSeconds(20)).until(() -> !relay.status().isHealthy());
            List<Relayed> records = new ArrayList<>(poll(consumer, 1, Duration.ofSeconds(20)));
            Lsn commit = records.get(0).lsn();
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(6)).untilAsserted(() -> {
                assertThat(confirmed(pg.server(), name + "_slot")).as("confirmed flush LSN").isLessThanOrEqualTo(commit);
                assertThat(relay.status().isHealthy()).as("healthy: " + relay.status().problem()).isFalse();
            });

            raiseMaxMessageBytes(admin, topic);
            pg.server().execute("INSERT INTO bulky VALUES (5001, 'after')");
            Lsn end = currentWal(pg.server());

            // At least once: a record the relay sent again can be there twice; every row is there.
            pollRows(consumer, records, 5001, Duration.ofSeconds(60));
            assertThat(records.stream().map(Relayed::id).distinct().count()).isEqualTo(5001);
            assertThat(records).extracting(Relayed::op).containsOnly("c");
            await().atMost(Duration.ofSeconds(20)).until(() -> !confirmed(pg.server(), name + "_slot").isBefore(end));
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().isHealthy());
            System.out.println("refused change: " + records.size() + " records for 5001 rows");
        }
    }

    @Test
    void unacknowledgedRowsHoldTheInitialSnapshotUntilTheBrokerHasThemAll() {
        String name = "unacked";
        table(name, 200);
        String prefix = "pgrepl.connections." + name + ".";
        // The producer holds the records 8 s before it sends them: acknowledgements that come late, as from a slow broker.
        // Long enough that the window below, and its margin on a loaded machine, ends before they are sent.
        try (ConfigurableApplicationContext context = run(name, name + "_pub", prefix + "snapshot.mode=initial",
                prefix + "kafka.ack-timeout=1s", "spring.kafka.producer.properties.linger.ms=8000");
             KafkaConsumer<byte[], byte[]> consumer = RelayFixtures.consumer(broker, "unacked\\..*", false)) {
            KafkaRelay relay = context.getBean(KafkaRelay.class);
            ReplicationConnectionRegistry connections = context.getBean(ReplicationConnectionRegistry.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> relay.status().inFlightRecords() == 200);
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                if (relay.status().inFlightRecords() > 0) {
                    assertNotStarted(connections, name);
                }
            });
            assertThat(relay.status().inFlightRecords()).as("still in flight: the hold was tested").isEqualTo(200);
            assertThat(relay.status().problem()).contains("No acknowledgement");

            awaitStreaming(name);
            assertThat(relay.status().inFlightRecords()).isZero();
            List<Relayed> records = pollRows(consumer, 200, Duration.ofSeconds(30));
            assertThat(records.stream().map(Relayed::id).distinct().count()).isEqualTo(200);
            assertThat(relay.status().isHealthy()).isTrue();
        }
    }

    @Test
    void withTheSkipRecovererTheRelaysFailuresAreRetriedNeverSkipped() throws Exception {
        String name = "skipper";
        table(name, 0, Map.of("max.message.bytes", "2000"));
        String topic = "skipper.public.skipper";
        String prefix = "pgrepl.connections." + name + ".";
        // Skip after one attempt: for listener methods. Were it applied to the relay, the refused row's transaction and
        // every one behind it would be confirmed without being on the broker.
        try (ConfigurableApplicationContext context = run(name, name + "_pub", prefix + "listener.recoverer=skip",
                prefix + "listener.max-attempts=1", prefix + "listener.retry-backoff=100ms",
                prefix + "listener.max-backoff=300ms", prefix + "kafka.ack-timeout=1s");
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
             KafkaConsumer<byte[], byte[]> consumer = RelayFixtures.consumer(broker, "skipper\\..*", false)) {
            awaitStreaming(name);
            KafkaRelay relay = context.getBean(KafkaRelay.class);
            ListenerControl listeners = context.getBean(ReplicationConnectionRegistry.class).connection(name)
                    .listenerControl().orElseThrow();
            pg.server().execute("INSERT INTO skipper VALUES (1, repeat('x', 3000))");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(relay.status().problem()).as("relay problem").isNotNull().contains("not delivered"));
            // Refused: the relay fails the changes that come next, and the error handler decides.
            for (int id = 2; id <= 5; id++) {
                pg.server().execute("INSERT INTO skipper VALUES (" + id + ", 'item " + id + "')");
            }
            Lsn refusedEnd = currentWal(pg.server());
            await().atMost(Duration.ofSeconds(20)).until(() -> listeners.failedAttempts() >= 1);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(6)).untilAsserted(() -> {
                assertThat(listeners.skipped()).as("skipped").isZero();
                assertThat(relay.status().isHealthy()).as("healthy").isFalse();
                assertThat(confirmed(pg.server(), name + "_slot")).as("confirmed flush LSN").isLessThan(refusedEnd);
            });

            raiseMaxMessageBytes(admin, topic);
            pg.server().execute("INSERT INTO skipper VALUES (6, 'after the fix')");
            Lsn end = currentWal(pg.server());

            List<Relayed> records = pollRows(consumer, 6, Duration.ofSeconds(60));
            assertThat(records.stream().map(Relayed::id).distinct().sorted()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            await().atMost(Duration.ofSeconds(20)).until(() -> !confirmed(pg.server(), name + "_slot").isBefore(end));
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().isHealthy());
            assertThat(listeners.skipped()).as("skipped").isZero();
        }
    }
}
