package io.github.pgrepl.bench;

import java.time.Duration;

import org.apache.kafka.connect.data.Struct;

/**
 * Debezium embedded ({@link DebeziumBench}) with a handler that counts records and stops at the end marker, which it
 * gets as a logical decoding message record. The meter starts at the first record (the handler sees no XLogData); it
 * counts rows, so the harness takes the message count from the other consumers.
 */
final class DebeziumConsumer implements JavaConsumer {

    @Override
    public Measurement run(Target target, String slot, Format format, StreamProbe probe) throws Exception {
        if (format.binary()) {
            throw new IllegalArgumentException("Debezium reads pgoutput's text format only");
        }
        DebeziumBench.Sink sink = new DebeziumBench.Sink() {
            @Override
            public void change(Struct source) {
                probe.firstByte();
            }

            @Override
            public void message(String prefix) {
                if (Workload.END_PREFIX.equals(prefix)) {
                    probe.finish();
                }
            }
        };
        try (DebeziumBench engine = DebeziumBench.start(target, slot, Workload.PUBLICATION, Workload.TABLE, sink)) {
            return probe.await(Duration.ofMinutes(30)).withoutCounts();
        }
    }
}
