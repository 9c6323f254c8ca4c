package io.github.pgrepl.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.testsupport.PgServer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A broker, consumers that read what the relay wrote, and the slot's position, for the relay's integration tests. */
final class RelayFixtures {

    private static final JsonMapper JSON = JsonMapper.shared();

    private RelayFixtures() {
    }

    /** A single-node KRaft broker in this JVM; topics it creates get 3 partitions. */
    static EmbeddedKafkaKraftBroker startBroker() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 3);
        broker.brokerProperty("transaction.state.log.replication.factor", "1");
        broker.brokerProperty("transaction.state.log.min.isr", "1");
        broker.afterPropertiesSet();
        return broker;
    }

    /** A consumer of every topic matching {@code topics}, from the start; {@code read_committed} or not. */
    static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafkaKraftBroker broker, String topics, boolean readCommitted) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        properties.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 500); // see topics the relay creates soon
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(Pattern.compile(topics));
        return consumer;
    }

    /** Polls until {@code count} records arrived (more may), in the order each partition has them. */
    static List<Relayed> poll(KafkaConsumer<byte[], byte[]> consumer, int count, Duration timeout) {
        List<Relayed> records = new ArrayList<>();
        await().atMost(timeout).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                records.add(Relayed.of(record));
            }
            assertThat(records.size()).as("records polled").isGreaterThanOrEqualTo(count);
        });
        return records;
    }

    /**
     * Polls until {@code rows} distinct rows arrived. At least once, a record sent again after a fault is there twice,
     * so a count of records can be reached before every row is: only a count of rows says each one arrived.
     */
    static List<Relayed> pollRows(KafkaConsumer<byte[], byte[]> consumer, int rows, Duration timeout) {
        return pollRows(consumer, new ArrayList<>(), rows, timeout);
    }

    /**
     * The records without the copies a resend left (same topic, key, lsn and seq as one before), in their order: what
     * is left says whether a row's changes came in order and each once.
     */
    static List<Relayed> withoutCopies(List<Relayed> records) {
        Set<List<Object>> seen = new HashSet<>();
        return records.stream().filter(record -> seen.add(List.of(record.topic(), String.valueOf(record.key()), record.lsn(),
                record.seq()))).toList();
    }

    /** As {@link #pollRows(KafkaConsumer, int, Duration)}, counting and adding to the records polled before. */
    static List<Relayed> pollRows(KafkaConsumer<byte[], byte[]> consumer, List<Relayed> records, int rows, Duration timeout) {
        Set<Long> ids = new HashSet<>();
        records.forEach(record -> ids.add(record.id()));
        await().atMost(timeout).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                Relayed relayed = Relayed.of(record);
                records.add(relayed);
                ids.add(relayed.id());
            }
            assertThat(ids.size()).as("distinct rows polled (of " + records.size() + " records)").isGreaterThanOrEqualTo(rows);
        });
        return records;
    }

    /** Lets {@code topic} take records of up to 1 MB: the fix for a record it refused as too large. */
    static void raiseMaxMessageBytes(Admin admin, String topic) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(
                new AlterConfigOp(new ConfigEntry("max.message.bytes", "1048576"), AlterConfigOp.OpType.SET))))
                .all().get(10, TimeUnit.SECONDS);
    }

    static Lsn confirmed(PgServer pg, String slot) {
        String value = pg.queryValue("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        return value == null ? Lsn.ZERO : Lsn.parse(value);
    }

    static Lsn currentWal(PgServer pg) {
        return Lsn.parse(pg.queryValue("SELECT pg_current_wal_insert_lsn()"));
    }

    /** One record as a consumer sees it: where it was, its key, its envelope and its headers. */
    record Relayed(String topic, int partition, long offset, String key, String text, JsonNode value, Lsn lsn, long xid,
                   int seq) {

        static Relayed of(ConsumerRecord<byte[], byte[]> record) {
            return new Relayed(record.topic(), record.partition(), record.offset(),
                    record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                    new String(record.value(), StandardCharsets.UTF_8), JSON.readTree(record.value()), Lsn.parse(header(record, KafkaRelay.LSN_HEADER)),
                    Long.parseLong(header(record, KafkaRelay.XID_HEADER)), Integer.parseInt(header(record, KafkaRelay.SEQ_HEADER)));
        }

        private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
            return new String(record.headers().lastHeader(name).value(), StandardCharsets.US_ASCII);
        }

        String op() {
            return value.get("op").asString();
        }

        long id() {
            JsonNode row = value.get("after").isNull() ? JSON.readTree(key) : value.get("after");
            return row.get("id").asLong();
        }

        /** The position that orders a row's changes: (commit lsn, seq). */
        boolean isAfter(Relayed other) {
            return lsn.isAfter(other.lsn) || lsn.equals(other.lsn) && seq > other.seq;
        }
    }
}
