package io.github.pgrepl.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.support.ChangeMapping;
import io.github.pgrepl.test.ChangeEvents;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

/** The envelope and the key, change by change, without a broker. */
class JsonChangeRecordMapperTest {

    private static final Instant COMMIT_TIME = Instant.parse("2026-11-24T18:30:01.120Z");

    private final JsonChangeRecordMapper mapper = new JsonChangeRecordMapper(JsonMapper.shared());

    private ProducerRecord<byte[], byte[]> record(ChangeEvent event) {
        List<Change<Row>> changes = ChangeMapping.of(event, io.github.pgrepl.Lsn.parse("0/1A2B3C8"), 812, COMMIT_TIME);
        return mapper.toRecord(changes.get(0), "shop.public.orders");
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void anInsertIsKeyedByItsIdentityAndCarriesTheNewRowAndWhereItComesFrom() {
        ProducerRecord<byte[], byte[]> record = record(ChangeEvents.insert("orders", ChangeEvents.row("id", 7L, "customer",
                "ada", "amount", new BigDecimal("12.50"), "tiny", new BigDecimal("0.00000001"), "note", null)));

        assertThat(record.topic()).isEqualTo("shop.public.orders");
        assertThat(record.timestamp()).isEqualTo(COMMIT_TIME.toEpochMilli());
        assertThat(text(record.key())).isEqualTo("{\"id\":7}");
        assertThat(text(record.value())).isEqualTo("{\"op\":\"c\",\"before\":null,\"after\":{\"id\":7,\"customer\":\"ada\","
                + "\"amount\":12.50,\"tiny\":0.00000001,\"note\":null},\"source\":{\"lsn\":\"0/1A2B3C8\",\"xid\":812,"
                + "\"commitTime\":\"2026-11-24T18:30:01.120Z\",\"schema\":\"public\",\"table\":\"orders\"}}");
    }

    @Test
    void anUnchangedToastValueIsNamedNotNull() {
        ProducerRecord<byte[], byte[]> record = record(ChangeEvents.update("docs", ChangeEvents.row("id", 1L, "title", "t",
                "body", ChangeEvents.UNCHANGED_TOAST)));

        assertThat(text(record.value())).startsWith("{\"op\":\"u\",\"before\":null,\"after\":{\"id\":1,\"title\":\"t\"},"
                + "\"unchangedToast\":[\"body\"],\"source\":");
    }

    @Test
    void underReplicaIdentityFullTheUnchangedValueComesFromTheOldRow() {
        ProducerRecord<byte[], byte[]> record = record(ChangeEvents.update("docs",
                ChangeEvents.row("id", 1L, "title", "old", "body", "long body"),
                ChangeEvents.row("id", 1L, "title", "new", "body", ChangeEvents.UNCHANGED_TOAST)));

        assertThat(text(record.value())).startsWith("{\"op\":\"u\",\"before\":{\"id\":1,\"title\":\"old\",\"body\":\"long body\"},"
                + "\"after\":{\"id\":1,\"title\":\"new\",\"body\":\"long body\"},\"source\":");
    }

    @Test
    void aDeleteIsKeyedByTheOldIdentityTheSameWayAsAnInsert() {
        ProducerRecord<byte[], byte[]> insert = record(ChangeEvents.insert("orders", Map.of("id", 7L)));
        ProducerRecord<byte[], byte[]> delete = record(ChangeEvents.delete("orders", Map.of("id", 7L)));

        assertThat(delete.key()).isEqualTo(insert.key());
        assertThat(text(delete.value())).startsWith("{\"op\":\"d\",\"before\":null,\"after\":null,\"source\":");
    }

    @Test
    void anUpdateThatChangesTheKeyIsKeyedByTheNewOneAndNamesTheOld() {
        ChangeEvent.Update moved = ChangeEvents.update("orders", Map.of("id", 8L, "customer", "ada"));
        Row oldKey = ChangeEvents.delete("orders", Map.of("id", 7L)).oldKey();
        ChangeEvent.Update withOldKey = new ChangeEvent.Update(moved.relation(), oldKey, null, moved.newRow(), 0);

        ProducerRecord<byte[], byte[]> record = record(withOldKey);

        assertThat(text(record.key())).isEqualTo("{\"id\":8}");
        assertThat(text(record.value())).contains("\"oldKey\":{\"id\":7}");
    }

    @Test
    void aTruncateHasNoKey() {
        ProducerRecord<byte[], byte[]> record = record(ChangeEvents.truncate("orders"));

        assertThat(record.key()).isNull();
        assertThat(text(record.value())).startsWith("{\"op\":\"t\",\"before\":null,\"after\":null,\"source\":");
    }

    @Test
    void anInitialSnapshotsRowIsReadKeyedLikeTheRowsChangesWithoutATransaction() {
        ChangeEvent.Insert insert = ChangeEvents.insert("orders", ChangeEvents.row("id", 7L, "customer", "ada"));
        ChangeEvent.Read read = new ChangeEvent.Read(insert.relation(), insert.newRow());

        List<Change<Row>> changes = ChangeMapping.of(read, null, 0, null);
        ProducerRecord<byte[], byte[]> record = mapper.toRecord(changes.get(0), "shop.public.orders");

        assertThat(changes).singleElement().satisfies(change -> {
            assertThat(change.operation()).isEqualTo(io.github.pgrepl.spring.listener.Operation.READ);
            assertThat(change.key()).isEqualTo(Map.of("id", 7L));
        });
        assertThat(record.key()).isEqualTo(record(insert).key());
        assertThat(record.timestamp()).isNull();
        assertThat(text(record.value())).isEqualTo("{\"op\":\"r\",\"before\":null,\"after\":{\"id\":7,\"customer\":\"ada\"},"
                + "\"source\":{\"lsn\":null,\"xid\":0,\"commitTime\":null,\"schema\":\"public\",\"table\":\"orders\"}}");
    }

    @Test
    void anIncrementalSnapshotsRowHasItsWatermarkTransactionsSource() {
        ChangeEvent.Insert insert = ChangeEvents.insert("orders", ChangeEvents.row("id", 7L));

        ProducerRecord<byte[], byte[]> record = record(new ChangeEvent.Read(insert.relation(), insert.newRow()));

        assertThat(record.timestamp()).isEqualTo(COMMIT_TIME.toEpochMilli());
        assertThat(text(record.value())).isEqualTo("{\"op\":\"r\",\"before\":null,\"after\":{\"id\":7},\"source\":{\"lsn\":"
                + "\"0/1A2B3C8\",\"xid\":812,\"commitTime\":\"2026-11-24T18:30:01.120Z\",\"schema\":\"public\","
                + "\"table\":\"orders\"}}");
    }
}
