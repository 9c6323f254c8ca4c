package io.github.pgrepl.pgoutput;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Where a snapshot stands, table by table: a consistent copy taken from any thread ({@link PgOutputHandler#snapshotProgress()}).
 * Rows are those handed to the listener's queue.
 *
 * @param id names the snapshot in log lines and in its watermark messages
 * @param kind initial (before the stream) or incremental (chunks while it streams)
 * @param state running, completed or failed
 * @param startedAt when it started (in this run, for one resumed after a restart)
 * @param completedAt when it completed or failed; {@code null} while it runs
 * @param failure why it failed, or {@code null}
 * @param tables each table's progress, in the order they are read
 */
public record SnapshotProgress(String id, Kind kind, State state, Instant startedAt, Instant completedAt, String failure,
                               List<TableProgress> tables) {

    public SnapshotProgress {
        tables = List.copyOf(tables);
    }

    /** How a snapshot reads its tables. */
    public enum Kind {
        /** COPY of the slot's exported snapshot, before the stream starts. */
        INITIAL,
        /** Chunks in key order between watermarks, while the stream runs. */
        INCREMENTAL
    }

    /** Where a snapshot, or one of its tables, stands. */
    public enum State {
        PENDING, RUNNING, COMPLETED, FAILED
    }

    /** Whether it still runs. */
    public boolean running() {
        return state == State.RUNNING;
    }

    /** Rows read so far, all tables. */
    public long rows() {
        return tables.stream().mapToLong(TableProgress::rows).sum();
    }

    /**
     * One table's progress.
     *
     * @param table {@code schema.table}
     * @param state pending, running, completed or failed
     * @param rows rows read so far (for an incremental snapshot resumed after a restart, since its start)
     * @param chunks chunks read so far (an initial snapshot reads a table in one)
     * @param estimatedRows the planner's estimate of the table's rows ({@code pg_class.reltuples}), or -1 when unknown
     * @param startedAt when this run started reading it, or {@code null}
     * @param completedAt when it was read whole, or {@code null}
     * @param rowsPerSecond the rate of this run so far, 0 before it starts
     * @param eta how long the rest should take at that rate, from the estimate; {@code null} when unknown or done
     */
    public record TableProgress(String table, State state, long rows, long chunks, long estimatedRows, Instant startedAt,
                                Instant completedAt, double rowsPerSecond, Duration eta) {
    }
}
