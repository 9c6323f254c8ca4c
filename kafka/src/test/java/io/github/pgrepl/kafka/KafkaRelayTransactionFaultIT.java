package io.github.pgrepl.kafka;

import static io.github.pgrepl.kafka.RelayFixtures.confirmed;
import static io.github.pgrepl.kafka.RelayFixtures.currentWal;
import static io.github.pgrepl.kafka.RelayFixtures.raiseMaxMessageBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.kafka.RelayFixtures.Relayed;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A transactional relay against a real broker that refuses one row of a PostgreSQL transaction (a topic whose
 * {@code max.message.bytes} is below it): the Kafka transaction fails and is aborted, a {@code read_committed} consumer
 * sees nothing of it (not even its small rows, which the broker took) nor of the transactions after it, the slot stays
 * before it and health says why and what to do; the operator raises the topic's limit and the transaction arrives whole,
 * once, the later ones after it. Every attempt, failed or not, uses the one transactional id {@code <prefix>0}: the
 * broker keeps one id, the one a restarted application's producer takes (and so fences the old one with). A broker of
 * its own: a topic refusing records, and Kafka transactions left open, are no other test's business.
 */
class KafkaRelayTransactionFaultIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private static final String NAME = "txfault";
    private static final String TOPIC = NAME + ".public.items";
    /** The relay's default transactional id prefix. */
    private static final String TRANSACTION_ID_PREFIX = "pgrepl-" + NAME + "-";
    /** Below the large row's record (~50 KB), above a partition's share of the small rows of one transaction. */
    private static final int REFUSING_MAX_MESSAGE_BYTES = 20_000;

    private static EmbeddedKafkaKraftBroker broker;

    @BeforeAll
    static void setUp() {
        broker = RelayFixtures.startBroker();
        pg.server().execute("CREATE TABLE items (id bigint PRIMARY KEY, item text)", "CREATE PUBLICATION items_pub FOR TABLE items");
    }

    @AfterAll
    static void tearDown() {
        broker.destroy();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class Application {
    }

    @Test
    void aRefusedKafkaTransactionIsInvisibleToReadCommittedAndArrivesWholeOnceWhenTheTopicTakesIt() throws Exception {
        broker.addTopics(new NewTopic(TOPIC, 3, (short) 1).configs(Map.of("max.message.bytes",
                Integer.toString(REFUSING_MAX_MESSAGE_BYTES))));
        String prefix = "pgrepl.connections." + NAME + ".";
        boolean refusing = true;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()))) {
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                    .web(WebApplicationType.NONE).properties("spring.main.banner-mode=off",
                            prefix + "url=postgresql://localhost:" + pg.server().port() + "/postgres",
                            prefix + "username=" + PgServer.SUPERUSER, prefix + "publications=items_pub",
                            prefix + "create-slot=true", prefix + "slot=" + NAME + "_slot", prefix + "status-interval=100ms",
                            prefix + "listener.retry-backoff=100ms", prefix + "listener.max-backoff=300ms",
                            prefix + "kafka.enabled=true", prefix + "kafka.transactional=true", prefix + "kafka.ack-timeout=1s",
                            "spring.kafka.bootstrap-servers=" + broker.getBrokersAsString())
                    .run();
                 KafkaConsumer<byte[], byte[]> committedConsumer = RelayFixtures.consumer(broker, NAME + "\\..*", true);
                 KafkaConsumer<byte[], byte[]> uncommittedConsumer = RelayFixtures.consumer(broker, NAME + "\\..*", false)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> "t".equals(pg.server().queryValue(
                        "SELECT active FROM pg_replication_slots WHERE slot_name = '" + NAME + "_slot'")));
                HealthIndicator health = (HealthIndicator) context.getBean("kafkaRelayHealthContributor",
                        CompositeHealthContributor.class).getContributor(NAME);
                List<Relayed> committed = new ArrayList<>();
                List<Relayed> uncommitted = new ArrayList<>();

                // Five transactions of 10 rows (ids 1-50); one of 50 (101-150), row 125 too large for the topic; five
                // more of 10 (201-250).
                for (int transaction = 0; transaction < 5; transaction++) {
                    insert(1 + transaction * 10, 10 + transaction * 10, "'item ' || i");
                }
                Lsn beforeRefused = currentWal(pg.server());
                insert(101, 150, "CASE WHEN i = 125 THEN repeat('x', 50000) ELSE 'item ' || i END");
                // Its commit ends at or before this: an idle keepalive may confirm into its WAL, never to its commit.
                Lsn afterRefused = currentWal(pg.server());
                for (int transaction = 0; transaction < 5; transaction++) {
                    insert(201 + transaction * 10, 210 + transaction * 10, "'item ' || i");
                }
                Lsn end = currentWal(pg.server());

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    drain(committedConsumer, committed);
                    assertThat(committed).as("read_committed: the transactions before the refused one").hasSize(50);
                });
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(health.health().getStatus())
                        .as("relay health while the broker refuses a row").isEqualTo(Status.DOWN));
                // Refused: nothing of it, nor of the transactions after it, for read_committed; the slot short of its commit;
                // DOWN, naming the cause and the fix. The relay retries meanwhile, Kafka transaction after Kafka
                // transaction, each one aborted.
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(8)).untilAsserted(() -> {
                    drain(committedConsumer, committed);
                    drain(uncommittedConsumer, uncommitted);
                    assertThat(ids(committed, id -> id > 100)).as("read_committed: ids of the refused transaction and"
                            + " after it").isEmpty();
                    assertThat(confirmed(pg.server(), NAME + "_slot")).as("confirmed flush LSN while refused")
                            .isLessThan(afterRefused);
                    Health down = health.health();
                    assertThat(down.getStatus()).as("relay health while refused").isEqualTo(Status.DOWN);
                    assertThat((String) down.getDetails().get("problem")).as("problem while refused")
                            .contains("Kafka transaction").contains(TOPIC).contains("RecordTooLargeException")
                            .contains("max.message.bytes");
                });
                System.out.println("refused Kafka transaction, while refused: read_committed " + committed.size()
                        + " records, read_uncommitted " + uncommitted.size() + " records (" + ids(uncommitted, id -> id > 100
                        && id <= 150).size() + " of the refused transaction, aborted); problem: "
                        + health.health().getDetails().get("problem"));
                assertWholeTransactions(committed, 5, 10);
                // The small rows did reach the log, in aborted Kafka transactions: read_committed skipped them.
                assertThat(ids(uncommitted, id -> id > 100 && id <= 150)).as("read_uncommitted: ids of the refused"
                        + " transaction").isNotEmpty().doesNotContain(125L);
                // Each failed attempt wrote the rows the broker took again, in a Kafka transaction of its own, aborted:
                // the most copies of one of them is the number of attempts so far.
                long attempts = uncommitted.stream().filter(record -> record.id() > 100 && record.id() <= 150)
                        .collect(Collectors.groupingBy(Relayed::id, Collectors.counting())).values().stream()
                        .max(Long::compare).orElse(0L);
                List<String> transactionalIds = transactionalIds(admin);
                System.out.println("refused Kafka transaction, while refused: " + attempts + " attempts, transactional ids "
                        + transactionalIds);
                assertThat(attempts).as("attempts of the refused transaction, aborted").isGreaterThanOrEqualTo(3);
                // Not an id per attempt: the broker would keep each for transactional.id.expiration.ms (7 days), and a
                // restarted application's producer (<prefix>0) would fence none of them.
                assertThat(transactionalIds).as("transactional ids the broker knows, after %d failed attempts", attempts)
                        .containsExactly(TRANSACTION_ID_PREFIX + "0");
                Lsn confirmedWhileRefused = confirmed(pg.server(), NAME + "_slot");

                long fixedAt = System.nanoTime();
                raiseMaxMessageBytes(admin, TOPIC);
                refusing = false;
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    drain(committedConsumer, committed);
                    assertThat(committed).as("read_committed after the fix").hasSizeGreaterThanOrEqualTo(150);
                });
                long arrivedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - fixedAt);
                // Duplicates, should there be any, come with the last records: give them a moment to show.
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
                    drain(committedConsumer, committed);
                    assertThat(committed).as("read_committed, settled").hasSize(150);
                });
                drain(uncommittedConsumer, uncommitted);
                System.out.println("refused Kafka transaction, after the fix: read_committed " + committed.size()
                        + " records (all in " + arrivedMillis + " ms), read_uncommitted " + uncommitted.size()
                        + " records; confirmed while refused " + confirmedWhileRefused);

                Map<Long, Long> perId = committed.stream().collect(Collectors.groupingBy(Relayed::id, TreeMap::new,
                        Collectors.counting()));
                assertThat(perId).as("read_committed: records per id").hasSize(150).allSatisfy((id, count) ->
                        assertThat(count).as("records of id " + id).isEqualTo(1L));
                assertThat(perId.keySet()).containsAll(List.of(1L, 50L, 101L, 125L, 150L, 201L, 250L));
                Map<Lsn, List<Relayed>> transactions = assertWholeTransactions(committed, 11, -1);
                List<Relayed> refused = committed.stream().filter(record -> record.id() > 100 && record.id() <= 150).toList();
                assertThat(refused).extracting(Relayed::lsn).as("the refused transaction: one commit").containsOnly(
                        refused.get(0).lsn());
                assertThat(transactions.get(refused.get(0).lsn())).extracting(Relayed::seq).as("the refused transaction")
                        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 50).boxed().toList());
                assertThat(refused.get(0).lsn()).as("the refused transaction's commit").isGreaterThan(beforeRefused);
                assertInPartitionOrder(committed);

                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(confirmed(pg.server(), NAME + "_slot"))
                        .as("confirmed flush LSN after the fix").isGreaterThanOrEqualTo(end));
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(health.health().getStatus())
                        .as("relay health after the fix").isEqualTo(Status.UP));
                assertThat(transactionalIds(admin)).as("transactional ids the broker knows, after the fix")
                        .containsExactly(TRANSACTION_ID_PREFIX + "0");
            }
        } finally {
            if (refusing) {
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()))) {
                    raiseMaxMessageBytes(admin, TOPIC);
                }
            }
        }
    }

    private static void insert(int first, int last, String item) {
        pg.server().execute("INSERT INTO items SELECT i, " + item + " FROM generate_series(" + first + ", " + last + ") i");
    }

    /** The transactional ids the broker's transaction coordinators know that begin with the relay's prefix. */
    private static List<String> transactionalIds(Admin admin) throws Exception {
        return admin.listTransactions().all().get(10, TimeUnit.SECONDS).stream().map(TransactionListing::transactionalId)
                .filter(id -> id.startsWith(TRANSACTION_ID_PREFIX)).sorted().toList();
    }

    /** Adds what the consumer has now. */
    private static void drain(KafkaConsumer<byte[], byte[]> consumer, List<Relayed> into) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            into.add(Relayed.of(record));
        }
    }

    private static List<Long> ids(List<Relayed> records, LongPredicate which) {
        return records.stream().map(Relayed::id).filter(which::test).distinct().sorted().toList();
    }

    /**
     * The records by commit, each commit's seqs 0 to its size - 1, once each.
     *
     * @param size the records of each, or -1 for any
     */
    private static Map<Lsn, List<Relayed>> assertWholeTransactions(List<Relayed> records, int transactions, int size) {
        Map<Lsn, List<Relayed>> byCommit = records.stream()
                .collect(Collectors.groupingBy(Relayed::lsn, LinkedHashMap::new, Collectors.toList()));
        assertThat(byCommit).as("transactions").hasSize(transactions);
        byCommit.forEach((lsn, changes) -> {
            if (size >= 0) {
                assertThat(changes).as("transaction at " + lsn).hasSize(size);
            }
            assertThat(changes).extracting(Relayed::seq).as("transaction at " + lsn)
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(0, changes.size()).boxed().toList());
        });
        return byCommit;
    }

    /** Each partition has its records in (commit lsn, seq) order: later transactions after earlier ones. */
    private static void assertInPartitionOrder(List<Relayed> records) {
        Map<Integer, List<Relayed>> byPartition = records.stream().collect(Collectors.groupingBy(Relayed::partition));
        byPartition.forEach((partition, inPartition) -> {
            for (int i = 1; i < inPartition.size(); i++) {
                assertThat(inPartition.get(i).isAfter(inPartition.get(i - 1))).as("partition " + partition + ", record "
                        + i + " after record " + (i - 1)).isTrue();
            }
        });
    }
}
