package io.github.pgrepl.bench;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.pgoutput.PgOutputHandler;

import java.time.Duration;

/**
 * pgrepl's {@link PgOutputHandler}: every message decoded into a {@link ChangeEvent} and handed to a
 * listener thread that only counts it, and stops at the end marker. Values in rows are not read. With borrowed rows
 * ({@code pgrepl-pgoutput-borrowed}) the tuples go to pooled buffers, valid during the listener's call only.
 */
final class PgOutputConsumer implements JavaConsumer {

    private final boolean borrowedRows;

    PgOutputConsumer(boolean borrowedRows) {
        this.borrowedRows = borrowedRows;
    }

    @Override
    public Measurement run(Target target, String slot, Format format, StreamProbe probe) throws Exception {
        ChangeListener listener = event -> {
            probe.countMessage();
            if (event instanceof ChangeEvent.LogicalMessage message && Workload.END_PREFIX.equals(message.prefix())) {
                probe.finish();
            }
        };
        PgOutputHandler handler = PgOutputHandler.builder(listener)
                .slot(slot)
                .publications(Workload.PUBLICATION)
                .protocolVersion(1)
                .streaming(false)
                .messages(true)
                .binary(format.binary())
                .borrowedRows(borrowedRows)
                .build();
        try (ReplicationConnection connection = ReplicationConnection.start(target.config(),
                new FirstByteHandler(handler, probe))) {
            return probe.await(Duration.ofMinutes(30));
        }
    }
}
