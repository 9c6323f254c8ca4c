package io.github.pgrepl.kafka;

import static io.github.pgrepl.kafka.RelayFixtures.confirmed;
import static io.github.pgrepl.kafka.RelayFixtures.currentWal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.kafka.RelayFixtures.Relayed;
import io.github.pgrepl.testsupport.PgExtension;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The application is killed (SIGKILL: no graceful close, no last status update) while it relays a large transaction:
 * the transaction was not confirmed, the next run relays it again, nothing is lost, and the duplicates are the records
 * a consumer drops by (lsn, seq) per key.
 */
class KafkaRelayKillIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private static EmbeddedKafkaKraftBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        broker = RelayFixtures.startBroker();
        pg.server().execute("CREATE TABLE ledger (id bigint PRIMARY KEY, amount int)",
                "CREATE PUBLICATION crash_pub FOR TABLE ledger",
                "SELECT pg_create_logical_replication_slot('crash_slot', 'pgoutput')");
    }

    @AfterAll
    static void tearDown() {
        broker.destroy();
    }

    @Test
    void anApplicationKilledMidTransactionRelaysItAgainAndLosesNothing() throws Exception {
        int rows = 5000;
        Process first = startChild(true, "first");
        List<Relayed> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = RelayFixtures.consumer(broker, "crash\\..*", false)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> "t".equals(pg.server().queryValue(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = 'crash_slot'")));
            pg.server().execute("INSERT INTO ledger SELECT i, i FROM generate_series(1, " + rows + ") i"); // one transaction
            Lsn end = currentWal(pg.server());
            await().atMost(Duration.ofSeconds(60)).until(() -> poll(consumer, records) >= rows / 5);
            first.destroyForcibly().waitFor(); // SIGKILL in the middle of the transaction
            int beforeKill = poll(consumer, records);
            assertThat(beforeKill).as("killed mid-transaction").isLessThan(rows);
            assertThat(confirmed(pg.server(), "crash_slot")).as("not confirmed").isLessThan(end);

            Process second = startChild(false, "second");
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    poll(consumer, records);
                    return distinctRows(records) == rows;
                });
                await().atMost(Duration.ofSeconds(20)).until(() -> !confirmed(pg.server(), "crash_slot").isBefore(end));
            } finally {
                second.destroyForcibly().waitFor();
            }
            poll(consumer, records);

            List<Relayed> kept = dropDuplicates(records);
            System.out.printf("kill -9 mid-transaction: %d rows written in one transaction; %d records before the kill,"
                    + " %d in all, %d distinct rows, %d duplicates dropped by (lsn, seq) per key%n", rows, beforeKill,
                    records.size(), distinctRows(records), records.size() - kept.size());
            assertThat(distinctRows(records)).isEqualTo(rows);
            assertThat(kept).hasSize(rows);
            assertThat(records.size() - kept.size()).as("redelivered").isGreaterThanOrEqualTo(beforeKill);
        }
    }

    private static int poll(KafkaConsumer<byte[], byte[]> consumer, List<Relayed> records) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            records.add(Relayed.of(record));
        }
        return records.size();
    }

    private static long distinctRows(List<Relayed> records) {
        Set<Long> ids = new HashSet<>();
        records.forEach(record -> ids.add(record.id()));
        return ids.size();
    }

    /** What a consumer applies when it keeps, per key, the last (lsn, seq) it applied and drops what is not after it. */
    private static List<Relayed> dropDuplicates(List<Relayed> records) {
        Map<String, Relayed> last = new HashMap<>();
        List<Relayed> kept = new ArrayList<>();
        for (Relayed record : records) {
            Relayed previous = last.get(record.key());
            if (previous == null || record.isAfter(previous)) {
                last.put(record.key(), record);
                kept.add(record);
            }
        }
        return kept;
    }

    private Process startChild(boolean slow, String name) throws IOException {
        return RelayChild.start(pg.server().port(), broker.getBrokersAsString(), slow, dir.resolve(name + ".log"));
    }
}
