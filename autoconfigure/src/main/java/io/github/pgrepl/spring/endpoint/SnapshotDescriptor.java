package io.github.pgrepl.spring.endpoint;

import io.github.pgrepl.pgoutput.SnapshotProgress;

import java.util.List;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * What the {@code pgrepl} endpoint shows of a connection's running (else last) snapshot: its state and each table's
 * rows, chunks, rate and estimated time left. Times are ISO-8601 instants, durations ISO-8601 too.
 */
public record SnapshotDescriptor(String id, String kind, String state, String startedAt, String completedAt,
                                 String failure, long rows, List<Table> tables) implements OperationResponseBody {

    /** One table of the snapshot. */
    public record Table(String table, String state, long rows, long chunks, long estimatedRows, double rowsPerSecond,
                        String eta) {
    }

    static SnapshotDescriptor of(SnapshotProgress progress) {
        return new SnapshotDescriptor(progress.id(), progress.kind().name(), progress.state().name(),
                text(progress.startedAt()), text(progress.completedAt()), progress.failure(), progress.rows(),
                progress.tables().stream().map(table -> new Table(table.table(), table.state().name(), table.rows(),
                        table.chunks(), table.estimatedRows(), Math.round(table.rowsPerSecond() * 10) / 10.0,
                        text(table.eta()))).toList());
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
