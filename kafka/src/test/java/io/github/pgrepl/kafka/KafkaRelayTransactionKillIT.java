package io.github.pgrepl.kafka;

import static io.github.pgrepl.kafka.RelayFixtures.confirmed;
import static io.github.pgrepl.kafka.RelayFixtures.currentWal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.kafka.RelayFixtures.Relayed;
import io.github.pgrepl.testsupport.PgExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The transactional relay's kill -9: the application is killed while a Kafka transaction is open, records of a large
 * PostgreSQL transaction already on the broker, and later transactions still in the stream. Restarted with the same
 * transactional id ({@code pgrepl-crash-0}), its producer fences the killed one's and aborts its Kafka transaction: a
 * {@code read_committed} consumer gets every row once, whole transactions, and the slot is confirmed to the end. The
 * killed producer's {@code transaction.timeout.ms} is ten minutes, far past every wait here: the fencing, not the
 * broker's timeout, is what ends the open transaction.
 *
 * <p>To hold the Kafka transaction open until the kill, a producer byte-rate quota slows what the broker takes: the
 * relay's commit waits for the flush of thousands of records, some on the broker, the rest in the producer. A broker of
 * its own: the quota and the open transaction are no other test's business.
 */
class KafkaRelayTransactionKillIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    /** RelayChild's connection: the relay's default prefix, and so its one transactional id. */
    private static final String TRANSACTIONAL_ID = "pgrepl-crash-0";
    /** The killed producer's: ten minutes, within the broker's transaction.max.timeout.ms (15 minutes). */
    private static final int TRANSACTION_TIMEOUT_MS = 600_000;
    private static final int SMALL = 100;
    private static final int LARGE = 5000;
    /**
     * Bytes a second the broker takes from each producer while the large transaction is relayed: its ~6 MB then take
     * about a minute and a half, once the first MB or so went through; the kill comes as soon as some arrived.
     */
    private static final double SLOW_PRODUCER_BYTES_PER_SECOND = 64 * 1024;
    private static final String PRODUCER_BYTE_RATE = "producer_byte_rate";
    private static final ClientQuotaEntity EVERY_CLIENT = new ClientQuotaEntity(
            Collections.singletonMap(ClientQuotaEntity.CLIENT_ID, null));

    private static EmbeddedKafkaKraftBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        broker = RelayFixtures.startBroker();
        pg.server().execute("CREATE TABLE ledger (id bigint PRIMARY KEY, amount int, note text)",
                "CREATE PUBLICATION crash_pub FOR TABLE ledger",
                "SELECT pg_create_logical_replication_slot('crash_slot', 'pgoutput')");
    }

    @AfterAll
    static void tearDown() {
        broker.destroy();
    }

    @Test
    void aTransactionalRelayKilledWithAKafkaTransactionOpenIsFencedAtRestartAndEveryRowArrivesOnce() throws Exception {
        // Before: five transactions (ids 1-500), relayed and confirmed. Then one of 5000 rows (1001-6000), killed while
        // in its Kafka transaction, and five more behind it (7001-7500).
        int before = 5 * SMALL;
        int after = 5 * SMALL;
        int rows = before + LARGE + after;
        Process first = startChild("first");
        Process second = null;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
             KafkaConsumer<byte[], byte[]> committedConsumer = RelayFixtures.consumer(broker, "crash\\..*", true);
             KafkaConsumer<byte[], byte[]> uncommittedConsumer = RelayFixtures.consumer(broker, "crash\\..*", false)) {
            List<Relayed> committed = new ArrayList<>();
            List<Relayed> uncommitted = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(pg.server().queryValue(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = 'crash_slot'")).as("slot active").isEqualTo("t"));
            for (int transaction = 0; transaction < 5; transaction++) {
                insert(1 + transaction * SMALL, (transaction + 1) * SMALL);
            }
            Lsn beforeEnd = currentWal(pg.server());
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                drain(committedConsumer, committed);
                assertThat(committed.size()).as("read_committed: the transactions before the large one").isEqualTo(before);
                assertThat(confirmed(pg.server(), "crash_slot")).as("confirmed: the transactions before the large one")
                        .isGreaterThanOrEqualTo(beforeEnd);
            });

            setProducerQuota(admin, SLOW_PRODUCER_BYTES_PER_SECOND);
            insert(1001, 1000 + LARGE);
            for (int transaction = 0; transaction < 5; transaction++) {
                insert(7001 + transaction * SMALL, 7000 + (transaction + 1) * SMALL);
            }
            Lsn end = currentWal(pg.server());
            // Kill once the Kafka transaction is open with records of the large transaction on the broker.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                drain(uncommittedConsumer, uncommitted);
                assertThat(ids(uncommitted, id -> id > 1000 && id <= 6000)).as("read_uncommitted: rows of the large"
                        + " transaction on the broker").isNotEmpty();
                assertThat(describe(admin).state()).as("the relay's Kafka transaction").isEqualTo(TransactionState.ONGOING);
            });
            first.destroyForcibly().waitFor();
            long killed = System.nanoTime();
            drain(uncommittedConsumer, uncommitted);
            TransactionDescription open = describe(admin);
            long sentBeforeKill = uncommitted.stream().filter(record -> record.id() > 1000 && record.id() <= 6000).count();
            System.out.println("transactional kill -9: " + sentBeforeKill + " of " + LARGE + " records of the large"
                    + " transaction on the broker (read_uncommitted) at the kill; " + TRANSACTIONAL_ID + " then " + open);
            assertThat(sentBeforeKill).as("records of the large transaction on the broker at the kill").isLessThan(LARGE);
            assertThat(open.state()).as("the killed producer's Kafka transaction").isEqualTo(TransactionState.ONGOING);
            assertThat(open.transactionTimeoutMs()).as("the killed producer's transaction.timeout.ms")
                    .isEqualTo(TRANSACTION_TIMEOUT_MS);
            assertThat(confirmed(pg.server(), "crash_slot")).as("confirmed at the kill").isLessThan(end);
            // The open transaction holds read_committed consumers at its first record: nothing of it, nor of the later ones.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                drain(committedConsumer, committed);
                assertThat(committed.size()).as("read_committed while the killed Kafka transaction is open").isEqualTo(before);
            });

            setProducerQuota(admin, null);
            second = startChild("second");
            long restarted = System.nanoTime();
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                drain(committedConsumer, committed);
                assertThat(committed.size()).as("read_committed after the restart").isGreaterThanOrEqualTo(rows);
            });
            long arrived = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(confirmed(pg.server(), "crash_slot"))
                    .as("confirmed after the restart").isGreaterThanOrEqualTo(end));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                drain(committedConsumer, committed);
                assertThat(committed.size()).as("read_committed, settled").isEqualTo(rows);
            });
            // The killed attempt's records stayed in the log, aborted: read_uncommitted has them and the new copy.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                drain(uncommittedConsumer, uncommitted);
                assertThat(uncommitted.stream().filter(record -> record.id() > 1000 && record.id() <= 6000).count())
                        .as("read_uncommitted: records of the large transaction").isGreaterThanOrEqualTo(LARGE + sentBeforeKill);
            });
            TransactionDescription fenced = describe(admin);
            long largeCopies = uncommitted.stream().filter(record -> record.id() > 1000 && record.id() <= 6000).count();
            System.out.printf("transactional kill -9: read_committed %d records, %d distinct rows, %d transactions;"
                    + " read_uncommitted %d records of the large transaction (%d in the aborted attempt); all arrived %d ms"
                    + " after the kill (%d ms after the restart), transaction.timeout.ms %d; %s then %s%n", committed.size(),
                    ids(committed, id -> true).size(), committed.stream().map(Relayed::lsn).distinct().count(), largeCopies,
                    largeCopies - LARGE, TimeUnit.NANOSECONDS.toMillis(arrived - killed),
                    TimeUnit.NANOSECONDS.toMillis(arrived - restarted), TRANSACTION_TIMEOUT_MS, TRANSACTIONAL_ID, fenced);

            List<Long> expected = LongStream.concat(LongStream.concat(LongStream.rangeClosed(1, before),
                    LongStream.rangeClosed(1001, 1000 + LARGE)), LongStream.rangeClosed(7001, 7000 + after)).boxed().toList();
            Set<Long> distinct = new HashSet<>(ids(committed, id -> true));
            assertThat(expected.stream().filter(id -> !distinct.contains(id)).toList()).as("read_committed: rows missing")
                    .isEmpty();
            assertThat(distinct.size()).as("read_committed: distinct rows").isEqualTo(rows);
            assertThat(committed.size()).as("read_committed: records (once each)").isEqualTo(rows);
            Map<Lsn, List<Relayed>> byCommit = committed.stream()
                    .collect(Collectors.groupingBy(Relayed::lsn, LinkedHashMap::new, Collectors.toList()));
            assertThat(byCommit.values()).extracting(List::size).as("read_committed: records per commit LSN")
                    .containsExactlyInAnyOrder(SMALL, SMALL, SMALL, SMALL, SMALL, LARGE, SMALL, SMALL, SMALL, SMALL, SMALL);
            byCommit.forEach((lsn, changes) -> assertThat(changes).extracting(Relayed::seq).as("seqs of commit " + lsn)
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(0, changes.size()).boxed().toList()));
            // The restarted application's Kafka transactions went on under the killed one's id, the only one the broker
            // knows. (Its epoch, printed, grows at every transaction end with transaction version 2: no proof of fencing;
            // the time to every row, against the ten-minute timeout, is.)
            assertThat(fenced.state()).as("the restarted producer's last Kafka transaction")
                    .isEqualTo(TransactionState.COMPLETE_COMMIT);
            assertThat(fenced.transactionStartTimeMs().orElseThrow()).as("the restarted producer's last Kafka transaction's"
                    + " start").isGreaterThan(open.transactionStartTimeMs().orElseThrow());
            assertThat(admin.listTransactions().all().get(10, TimeUnit.SECONDS)).extracting(TransactionListing::transactionalId)
                    .as("transactional ids the broker knows").containsExactly(TRANSACTIONAL_ID);
            assertThat(TimeUnit.NANOSECONDS.toMillis(arrived - killed)).as("ms from the kill to every row committed")
                    .isLessThan(TRANSACTION_TIMEOUT_MS / 3);
        } finally {
            first.destroyForcibly().waitFor();
            if (second != null) {
                second.destroyForcibly().waitFor();
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()))) {
                setProducerQuota(admin, null);
            }
        }
    }

    /** One transaction of rows {@code from} to {@code to}, each with a 1 KB note. */
    private static void insert(int from, int to) {
        pg.server().execute("INSERT INTO ledger SELECT i, i, repeat('n', 1000) FROM generate_series(" + from + ", " + to
                + ") i");
    }

    /**
     * The broker's byte rate for every producer that has no quota of its own; {@code null}: none. Returns once the broker
     * (which answers from its metadata, not the controller) has it.
     */
    private static void setProducerQuota(Admin admin, Double bytesPerSecond) throws Exception {
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(EVERY_CLIENT, List.of(new ClientQuotaAlteration.Op(
                PRODUCER_BYTE_RATE, bytesPerSecond))))).all().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin.describeClientQuotas(
                ClientQuotaFilter.all()).entities().get(10, TimeUnit.SECONDS).getOrDefault(EVERY_CLIENT, Map.of())
                .get(PRODUCER_BYTE_RATE)).as("the broker's producer quota").isEqualTo(bytesPerSecond));
    }

    private static TransactionDescription describe(Admin admin) throws Exception {
        return admin.describeTransactions(List.of(TRANSACTIONAL_ID)).description(TRANSACTIONAL_ID).get(10, TimeUnit.SECONDS);
    }

    private Process startChild(String name) throws Exception {
        return RelayChild.start(pg.server().port(), broker.getBrokersAsString(), false, dir.resolve(name + ".log"),
                "pgrepl.connections.crash.kafka.transactional=true",
                "spring.kafka.producer.properties.transaction.timeout.ms=" + TRANSACTION_TIMEOUT_MS);
    }

    private static void drain(KafkaConsumer<byte[], byte[]> consumer, List<Relayed> into) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            into.add(Relayed.of(record));
        }
    }

    private static List<Long> ids(List<Relayed> records, LongPredicate which) {
        return records.stream().map(Relayed::id).filter(which::test).distinct().sorted().toList();
    }
}
