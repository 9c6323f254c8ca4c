package io.github.pgrepl.kafka;

import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.Operation;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.kafka.clients.producer.ProducerRecord;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The relay's default record: the key is the row's identity as a JSON object, the value a JSON envelope.
 *
 * <pre>{@code
 * key:   {"id":7}
 * value: {"op":"u",
 *         "before":null,
 *         "after":{"id":7,"customer":"ada","amount":12.50},
 *         "unchangedToast":["note"],                  (only when some column of after was not sent)
 *         "source":{"lsn":"0/1A2B3C8","xid":812,"commitTime":"2026-11-24T18:30:01.120Z",
 *                   "schema":"public","table":"orders"}}
 * }</pre>
 *
 * <ul>
 * <li>{@code op}: {@code r} (a row read by a snapshot), {@code c} (insert), {@code u} (update), {@code d} (delete),
 * {@code t} (truncate, one record per table, without key).</li>
 * <li>{@code before}: the old row, which the server sends only for a table with {@code REPLICA IDENTITY FULL}; else
 * {@code null}. {@code after}: the new row; {@code null} for a delete and a truncate.</li>
 * <li>The key: the replica identity's columns (the primary key by default) of the new row, for a delete of the old
 * one; {@code null} for a truncate and a table without identity. An update that changed the key is keyed by the new
 * key and adds {@code "oldKey":{…}}.</li>
 * <li>Unchanged TOAST: a large value an update did not change is not sent by the server. It is taken from
 * {@code before} where that has it ({@code REPLICA IDENTITY FULL}); else the column is left out of {@code after} and
 * named in {@code unchangedToast}: absent, never {@code null}.</li>
 * <li>Values: numbers (numeric exactly as PostgreSQL prints it), booleans, strings, json and jsonb embedded as JSON,
 * bytea as base64, arrays as arrays, dates and times as the mapper writes {@code java.time} values (ISO-8601 by
 * default); other types as PostgreSQL prints them.</li>
 * <li>{@code source.lsn}: the transaction's commit position; with the record's {@code pgrepl.seq} header it orders a
 * row's changes (see {@link KafkaRelay}).</li>
 * <li>A snapshot's row ({@code "op":"r"}): {@code after} is the row as the snapshot read it, keyed like the row's
 * changes. An incremental snapshot's row has the source of the watermark transaction it came in; an initial
 * snapshot's has none: {@code lsn} and {@code commitTime} {@code null}, {@code xid} 0.</li>
 * </ul>
 * The record's timestamp is the commit time; none (the producer's clock) for an initial snapshot's row.
 */
public final class JsonChangeRecordMapper implements ChangeRecordMapper {

    private static final int JSON = 114;
    private static final int JSONB = 3802;

    private final JsonMapper json;
    private final ThreadLocal<Output> outputs;

    /** @param json Boot's {@code JsonMapper} (its {@code spring.jackson.*} settings apply to dates and times) */
    public JsonChangeRecordMapper(JsonMapper json) {
        this.json = Objects.requireNonNull(json, "json");
        ObjectWriter writer = json.writer().withRootValueSeparator("");
        this.outputs = ThreadLocal.withInitial(() -> new Output(writer));
    }

    @Override
    public ProducerRecord<byte[], byte[]> toRecord(Change<Row> change, String topic) {
        Change.Source source = change.source();
        Long timestamp = source.commitTime() == null ? null : source.commitTime().toEpochMilli();
        return new ProducerRecord<>(topic, null, timestamp, key(change), value(change));
    }

    /**
     * The identity of the row the record is about, as a JSON object; {@code null} for none. Written the same way for
     * every operation, so that a row's records have the same key bytes and go to the same partition.
     */
    private byte[] key(Change<Row> change) {
        if (change.operation() == Operation.TRUNCATE) {
            return null;
        }
        // An insert's identity is its new row's (Change.key()); an update's may have changed, so it is read anew.
        Map<String, Object> key = change.operation() != Operation.UPDATE || change.after() == null ? change.key()
                : identity(change.after());
        return key.isEmpty() ? null : write(generator -> writeMap(generator, key));
    }

    private static Map<String, Object> identity(Row row) {
        Map<String, Object> key = new LinkedHashMap<>();
        List<Relation.Column> columns = row.relation().columns();
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).key() && !row.isUnchangedToast(i)) {
                key.put(columns.get(i).name(), read(row, i));
            }
        }
        return key;
    }

    private byte[] value(Change<Row> change) {
        return write(generator -> {
            generator.writeStartObject();
            generator.writeStringProperty("op", op(change.operation()));
            generator.writeName("before");
            writeRow(generator, change.before(), null, null);
            generator.writeName("after");
            List<String> unchanged = new ArrayList<>(0);
            writeRow(generator, change.after(), change.before(), unchanged);
            if (!unchanged.isEmpty()) {
                generator.writeName("unchangedToast");
                generator.writeStartArray();
                for (String column : unchanged) {
                    generator.writeString(column);
                }
                generator.writeEndArray();
            }
            if (change.operation() == Operation.UPDATE && change.before() == null && keyChanged(change)) {
                generator.writeName("oldKey");
                writeMap(generator, change.key());
            }
            Change.Source source = change.source();
            generator.writeName("source");
            generator.writeStartObject();
            generator.writeStringProperty("lsn", source.lsn() == null ? null : source.lsn().toString());
            generator.writeNumberProperty("xid", source.xid());
            generator.writeName("commitTime");
            writeCommitTime(generator, source.commitTime());
            generator.writeStringProperty("schema", source.schema());
            generator.writeStringProperty("table", source.table());
            generator.writeEndObject();
            generator.writeEndObject();
        });
    }

    /** The commit time as the mapper writes an {@code Instant}, written once per transaction rather than per record. */
    private void writeCommitTime(JsonGenerator generator, Instant commitTime) {
        Output output = outputs.get();
        if (commitTime == null) {
            generator.writeNull();
            return;
        }
        if (commitTime != output.commitTime) {
            output.commitTime = commitTime;
            output.commitTimeJson = json.writeValueAsString(commitTime);
        }
        generator.writeRawValue(output.commitTimeJson);
    }

    private static String op(Operation operation) {
        return switch (operation) {
            case READ -> "r";
            case INSERT -> "c";
            case UPDATE -> "u";
            case DELETE -> "d";
            case TRUNCATE -> "t";
        };
    }

    /** Whether the update's identity before the change differs from the new row's. */
    private static boolean keyChanged(Change<Row> change) {
        Row after = change.after();
        for (Map.Entry<String, Object> column : change.key().entrySet()) {
            int index = after.indexOf(column.getKey());
            if (index < 0 || after.isUnchangedToast(index) || !Objects.equals(read(after, index), column.getValue())) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param fallback where an unchanged TOAST value may be found (the old row), or {@code null}
     * @param unchanged collects the columns left out, or {@code null}
     */
    private void writeRow(JsonGenerator generator, Row row, Row fallback, List<String> unchanged) {
        if (row == null) {
            generator.writeNull();
            return;
        }
        List<Relation.Column> columns = row.relation().columns();
        generator.writeStartObject();
        for (int i = 0; i < row.size(); i++) {
            String name = columns.get(i).name();
            if (row.isUnchangedToast(i)) {
                int old = fallback == null ? -1 : fallback.indexOf(name);
                if (old >= 0 && !fallback.isUnchangedToast(old)) {
                    generator.writeName(name);
                    writeValue(generator, fallback, old, columns.get(i).typeOid());
                } else if (unchanged != null) {
                    unchanged.add(name);
                }
                continue;
            }
            generator.writeName(name);
            writeValue(generator, row, i, columns.get(i).typeOid());
        }
        generator.writeEndObject();
    }

    private void writeValue(JsonGenerator generator, Row row, int index, int typeOid) {
        if (row.isNull(index)) {
            generator.writeNull();
            return;
        }
        if (typeOid == JSON || typeOid == JSONB) {
            generator.writeRawValue(row.getString(index)); // the server checked it is JSON
            return;
        }
        Object value = read(row, index);
        if (value instanceof String text) {
            generator.writeString(text);
        } else if (value instanceof Long number) {
            generator.writeNumber(number);
        } else if (value instanceof Integer number) {
            generator.writeNumber(number);
        } else if (value instanceof Short number) {
            generator.writeNumber(number);
        } else if (value instanceof BigDecimal number) {
            generator.writeNumber(number.toPlainString()); // as PostgreSQL prints it, never 1E+3
        } else if (value instanceof Boolean bool) {
            generator.writeBoolean(bool);
        } else if (value instanceof byte[] bytes) {
            generator.writeBinary(bytes);
        } else {
            generator.writePOJO(value); // doubles, floats, java.time, UUID, lists: as the mapper writes them
        }
    }

    /** The value converted by its type; its text when it does not convert, which must not stop the relay. */
    private static Object read(Row row, int index) {
        try {
            return row.getObject(index);
        } catch (RuntimeException e) {
            return row.getString(index);
        }
    }

    private void writeMap(JsonGenerator generator, Map<String, Object> values) {
        generator.writeStartObject();
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            generator.writeName(entry.getKey());
            Object value = entry.getValue();
            if (value instanceof BigDecimal number) {
                generator.writeNumber(number.toPlainString());
            } else if (value instanceof Long number) {
                generator.writeNumber(number); // the usual keys without a serializer lookup per record
            } else if (value instanceof Integer number) {
                generator.writeNumber(number);
            } else if (value instanceof String text) {
                generator.writeString(text);
            } else {
                generator.writePOJO(value);
            }
        }
        generator.writeEndObject();
    }

    private interface Body {
        void write(JsonGenerator generator);
    }

    /**
     * One generator per thread, kept open and writing one root value after the other into a buffer that is emptied
     * after each: creating a generator per record cost more than writing the record.
     */
    private static final class Output extends ByteArrayOutputStream {
        private static final int MAX_KEPT_BUFFER = 64 * 1024;

        final JsonGenerator generator;
        /** The last commit time written, and how. */
        Instant commitTime;
        String commitTimeJson;

        Output(ObjectWriter writer) {
            super(512);
            this.generator = writer.createGenerator(this);
        }

        byte[] take() {
            generator.flush();
            byte[] bytes = toByteArray();
            reset();
            if (buf.length > MAX_KEPT_BUFFER) {
                buf = new byte[512]; // a huge row once: do not keep its buffer for the thread's lifetime
            }
            return bytes;
        }
    }

    private byte[] write(Body body) {
        Output output = outputs.get();
        try {
            body.write(output.generator);
            return output.take();
        } catch (RuntimeException e) {
            outputs.remove(); // the generator is in the middle of a value: start afresh
            throw e;
        }
    }

    @Override
    public String toString() {
        return "JsonChangeRecordMapper";
    }
}
