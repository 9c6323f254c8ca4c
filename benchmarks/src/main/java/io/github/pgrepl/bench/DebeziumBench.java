package io.github.pgrepl.bench;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.embedded.Connect;
import io.debezium.engine.format.ChangeEventFormat;

import java.io.IOException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Debezium's embedded engine with its PostgreSQL connector, set up as a user who already has the slot and the
 * publication would: pgoutput, the existing slot and publication (neither created), no snapshot, offsets in memory,
 * batches and queue four times the defaults, everything else at its default ({@code poll.interval.ms} 500 among them).
 * Records come as Kafka Connect {@link SourceRecord}s, unconverted: no JSON, no Kafka.
 */
final class DebeziumBench implements AutoCloseable {

    /** Gets each batch's records on the engine's thread. */
    interface Sink {
        /** A change of a row: its {@code source} block (commit time, LSN). */
        void change(Struct source);

        /** A logical decoding message ({@code pg_logical_emit_message}) with this prefix. */
        void message(String prefix);
    }

    private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    private DebeziumBench(DebeziumEngine<RecordChangeEvent<SourceRecord>> engine) {
        this.engine = engine;
    }

    static DebeziumBench start(Target target, String slot, String publication, String table, Sink sink) {
        Properties p = new Properties();
        p.setProperty("name", "pgrepl-bench-" + slot);
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.setProperty("offset.flush.interval.ms", "10000");
        p.setProperty("topic.prefix", "bench");
        p.setProperty("database.hostname", target.config().host());
        p.setProperty("database.port", Integer.toString(target.config().port()));
        p.setProperty("database.user", target.config().user());
        if (target.config().password() != null) {
            p.setProperty("database.password", target.config().password());
        }
        p.setProperty("database.dbname", target.config().database());
        p.setProperty("database.sslmode", target.sslMode());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", slot);
        p.setProperty("slot.drop.on.stop", "false");
        p.setProperty("publication.name", publication);
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("table.include.list", "public." + table);
        p.setProperty("snapshot.mode", "no_data");
        p.setProperty("max.batch.size", "8192");
        p.setProperty("max.queue.size", "32768");
        DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(p)
                .notifying(new DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>>() {
                    @Override
                    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
                            throws InterruptedException {
                        for (RecordChangeEvent<SourceRecord> event : records) {
                            SourceRecord record = event.record();
                            if (record.value() instanceof Struct value) {
                                if (record.topic().endsWith(".message")) {
                                    sink.message(value.getStruct("message").getString("prefix"));
                                } else {
                                    sink.change(value.getStruct("source"));
                                }
                            }
                            committer.markProcessed(event);
                        }
                        committer.markBatchFinished();
                    }
                })
                .using((success, message, error) -> {
                    if (!success) {
                        System.err.println("Debezium stopped: " + message);
                        if (error != null) {
                            error.printStackTrace();
                        }
                    }
                })
                .build();
        DebeziumBench bench = new DebeziumBench(engine);
        bench.executor.execute(engine);
        return bench;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        engine.close();
        executor.shutdown();
        executor.awaitTermination(1, TimeUnit.MINUTES);
    }
}
