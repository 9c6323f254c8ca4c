package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.pgoutput.SnapshotProgress;
import io.github.pgrepl.pgoutput.SnapshotProgress.State;
import io.github.pgrepl.pgoutput.SnapshotProgress.TableProgress;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The progress of one snapshot, table by table: written on the handler's thread as rows are handed to the listener's
 * queue, read from any thread as a {@link SnapshotProgress} (rate and ETA computed then). Synchronized: reads are
 * rare (the endpoint, metrics), writes once per chunk or batch.
 */
public final class ProgressTracker {

    private final String id;
    private final SnapshotProgress.Kind kind;
    private final Clock clock;
    private final Instant startedAt;
    private final Map<String, Table> tables = new LinkedHashMap<>();
    private State state = State.RUNNING;
    private Instant completedAt;
    private String failure;

    public ProgressTracker(String id, SnapshotProgress.Kind kind, Clock clock) {
        this.id = id;
        this.kind = kind;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    public String id() {
        return id;
    }

    /** Adds a table to read; {@code rows} and {@code chunks} read before (by a run before a restart). */
    public synchronized void plan(String table, long estimatedRows, long rows, long chunks) {
        Table entry = tables.computeIfAbsent(table, name -> new Table());
        entry.estimatedRows = estimatedRows;
        entry.rows = rows;
        entry.chunks = chunks;
        entry.rowsBefore = rows;
    }

    public synchronized void started(String table) {
        Table entry = tables.computeIfAbsent(table, name -> new Table());
        if (entry.state == State.PENDING) {
            entry.state = State.RUNNING;
            entry.startedAt = clock.instant();
        }
    }

    public synchronized void read(String table, long rows, long chunks) {
        Table entry = tables.computeIfAbsent(table, name -> new Table());
        entry.rows += rows;
        entry.chunks += chunks;
    }

    public synchronized void completed(String table) {
        Table entry = tables.computeIfAbsent(table, name -> new Table());
        entry.state = State.COMPLETED;
        entry.completedAt = clock.instant();
    }

    public synchronized void tableFailed(String table) {
        Table entry = tables.computeIfAbsent(table, name -> new Table());
        entry.state = State.FAILED;
        entry.completedAt = clock.instant();
    }

    /** The table's rows so far. */
    public synchronized long rows(String table) {
        Table entry = tables.get(table);
        return entry == null ? 0 : entry.rows;
    }

    public synchronized void finished() {
        state = State.COMPLETED;
        completedAt = clock.instant();
    }

    public synchronized void failed(String reason) {
        state = State.FAILED;
        completedAt = clock.instant();
        failure = reason;
        tables.values().forEach(table -> {
            if (table.state == State.RUNNING || table.state == State.PENDING) {
                table.state = State.FAILED;
            }
        });
    }

    public synchronized boolean running() {
        return state == State.RUNNING;
    }

    public synchronized SnapshotProgress progress() {
        Instant now = clock.instant();
        List<TableProgress> list = new ArrayList<>(tables.size());
        tables.forEach((name, table) -> list.add(table.progress(name, now)));
        return new SnapshotProgress(id, kind, state, startedAt, completedAt, failure, list);
    }

    private static final class Table {
        State state = State.PENDING;
        long estimatedRows = -1;
        long rows;
        long rowsBefore;
        long chunks;
        Instant startedAt;
        Instant completedAt;

        TableProgress progress(String name, Instant now) {
            double rate = 0;
            Duration eta = null;
            if (startedAt != null) {
                Instant until = completedAt != null ? completedAt : now;
                double seconds = Math.max(Duration.between(startedAt, until).toNanos() / 1e9, 1e-3);
                rate = (rows - rowsBefore) / seconds;
                if (state == State.RUNNING && estimatedRows >= 0 && rate > 0) {
                    eta = Duration.ofMillis((long) (Math.max(estimatedRows - rows, 0) / rate * 1000));
                }
            }
            return new TableProgress(name, state, rows, chunks, estimatedRows, startedAt, completedAt, rate, eta);
        }
    }
}
