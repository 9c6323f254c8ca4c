package io.github.pgrepl.bench;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.pgoutput.PgOutputHandler;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.data.Struct;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Entry point of a child JVM that runs one latency consumer: {@code LatencyMain <consumer> <logs dir>}, the server's URL
 * in {@value Target#URL_VARIABLE}. For each line {@code <slot> <name>} on its standard input it streams the slot
 * (publication {@value LatencyHarness#PUBLICATION}) while the harness writes at a fixed rate, records each
 * transaction's latency with a {@link LatencyRecorder} up to the end marker, closes the client and prints the
 * recorder's summary line; it exits at the end of input.
 */
public final class LatencyMain {

    private LatencyMain() {
    }

    public static void main(String[] args) throws Exception {
        String consumer = args[0];
        Path logs = Path.of(args[1]);
        Target target = Target.fromEnvironment();
        BufferedReader lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null) {
            String[] fields = line.trim().split(" ");
            LatencyRecorder recorder = new LatencyRecorder();
            boolean complete;
            try (AutoCloseable client = start(consumer, target, fields[0], recorder)) {
                complete = recorder.await(Duration.ofMinutes(3));
            }
            System.out.println(recorder.summary(logs.resolve(fields[1] + ".csv"), complete));
            System.out.flush();
        }
        System.exit(0);
    }

    /** Starts streaming {@code slot} into {@code recorder}; closing the result stops it. */
    private static AutoCloseable start(String consumer, Target target, String slot, LatencyRecorder recorder)
            throws Exception {
        return switch (consumer) {
            case "pgrepl-pgoutput" -> pgrepl(target, slot, recorder, target.config().minReadInterval());
            case "pgrepl-pgoutput-0ms" -> pgrepl(target, slot, recorder, Duration.ZERO);
            case "pgrepl-spring" -> spring(target, slot, recorder);
            case "pgjdbc" -> pgjdbc(target, slot, recorder);
            case "debezium" -> debezium(target, slot, recorder);
            default -> throw new IllegalArgumentException("Unknown latency consumer '" + consumer + "'");
        };
    }

    /** {@link PgOutputHandler}: the latency of a transaction is taken when the listener gets its Commit. */
    private static AutoCloseable pgrepl(Target target, String slot, LatencyRecorder recorder, Duration minReadInterval) {
        ChangeListener listener = event -> {
            if (event instanceof ChangeEvent.Commit commit) {
                recorder.commit(LatencyRecorder.micros(commit.commitTime()));
            } else if (event instanceof ChangeEvent.LogicalMessage message && Workload.END_PREFIX.equals(message.prefix())) {
                recorder.end();
            }
        };
        PgOutputHandler handler = PgOutputHandler.builder(listener)
                .slot(slot)
                .publications(LatencyHarness.PUBLICATION)
                .protocolVersion(1)
                .streaming(false)
                .messages(true)
                .build();
        return ReplicationConnection.start(target.config().toBuilder().minReadInterval(minReadInterval).build(), handler);
    }

    /** A {@code @ReplicationListener} method binding the row to a record: taken when the method gets the change. */
    private static AutoCloseable spring(Target target, String slot, LatencyRecorder recorder) {
        ConfigurableApplicationContext context = SpringBench.start(target, slot, LatencyHarness.PUBLICATION,
                LatencyHarness.TABLE, false, target.config().minReadInterval(), new SpringBench.Sink() {
                    @Override
                    public void change(io.github.pgrepl.spring.listener.Change<SpringBench.BenchRow> change) {
                        change.after().id();
                        recorder.commit(LatencyRecorder.micros(change.source().commitTime()));
                    }

                    @Override
                    public void end() {
                        recorder.end();
                    }
                });
        return context::close;
    }

    /**
     * pgjdbc's {@link PGReplicationStream}, blocked in {@code read()} on its own thread: taken when {@code read()}
     * returns the Commit message (its commit time at byte 18: flags, commit LSN, end LSN, timestamp).
     */
    private static AutoCloseable pgjdbc(Target target, String slot, LatencyRecorder recorder) throws Exception {
        Properties properties = target.jdbcProperties();
        PGProperty.REPLICATION.set(properties, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
        PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
        Connection connection = DriverManager.getConnection(target.jdbcUrl(), properties);
        PGReplicationStream stream = connection.unwrap(PGConnection.class).getReplicationAPI()
                .replicationStream().logical()
                .withSlotName(slot)
                .withStatusInterval(10, TimeUnit.SECONDS)
                .withSlotOption("proto_version", "1")
                .withSlotOption("publication_names", LatencyHarness.PUBLICATION)
                .withSlotOption("messages", "true")
                .start();
        Thread reader = new Thread(() -> {
            try {
                while (true) {
                    ByteBuffer data = stream.read();
                    byte type = data.get(data.position());
                    if (type == 'C') {
                        recorder.commit(LatencyRecorder.POSTGRES_EPOCH_MICROS + data.getLong(data.position() + 18));
                    } else if (type == 'M') { // the only logical message in this stream is the end marker
                        recorder.end();
                        return;
                    }
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "pgjdbc-reader");
        reader.start();
        return () -> {
            reader.join(TimeUnit.MINUTES.toMillis(1));
            stream.close();
            connection.close();
        };
    }

    /** Debezium embedded: taken when the handler gets the record, whose source block has the commit time in µs. */
    private static AutoCloseable debezium(Target target, String slot, LatencyRecorder recorder) {
        return DebeziumBench.start(target, slot, LatencyHarness.PUBLICATION, LatencyHarness.TABLE, new DebeziumBench.Sink() {
            @Override
            public void change(Struct source) {
                Long micros = source.getInt64("ts_us");
                recorder.commit(micros != null ? micros : source.getInt64("ts_ms") * 1000);
            }

            @Override
            public void message(String prefix) {
                if (Workload.END_PREFIX.equals(prefix)) {
                    recorder.end();
                }
            }
        });
    }
}
