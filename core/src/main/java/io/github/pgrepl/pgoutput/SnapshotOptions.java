package io.github.pgrepl.pgoutput;

import io.github.pgrepl.internal.util.Durations;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link PgOutputHandler} takes snapshots: the initial one ({@link #mode}), the tables they read, and how
 * (sessions in parallel, chunk size). Immutable: each method returns a changed copy.
 *
 * <pre>{@code
 * PgOutputHandler.builder(listener).slot("orders_slot").publications("orders_pub").createSlot(true)
 *         .snapshot(SnapshotOptions.defaults().mode(SnapshotMode.INITIAL).parallelism(4))
 *         .build();
 * }</pre>
 *
 * @see PgOutputHandler#snapshot(List)
 */
public final class SnapshotOptions {

    /** Rows per chunk of an incremental snapshot, by default. */
    public static final int DEFAULT_CHUNK_SIZE = 4096;
    /** Sessions reading an initial snapshot, by default. */
    public static final int DEFAULT_PARALLELISM = 2;

    private static final SnapshotOptions DEFAULTS = new SnapshotOptions(SnapshotMode.NEVER, List.of(), DEFAULT_PARALLELISM,
            DEFAULT_CHUNK_SIZE, Duration.ZERO);

    private final SnapshotMode mode;
    private final List<String> tables;
    private final int parallelism;
    private final int chunkSize;
    private final Duration newTablesInterval;

    private SnapshotOptions(SnapshotMode mode, List<String> tables, int parallelism, int chunkSize, Duration newTablesInterval) {
        this.mode = mode;
        this.tables = tables;
        this.parallelism = parallelism;
        this.chunkSize = chunkSize;
        this.newTablesInterval = newTablesInterval;
    }

    /** No initial snapshot, the publications' tables, 2 sessions, chunks of 4096 rows, new tables not watched. */
    public static SnapshotOptions defaults() {
        return DEFAULTS;
    }

    /** The initial snapshot: {@link SnapshotMode#NEVER} (default), {@code INITIAL} or {@code INITIAL_ONLY}. */
    public SnapshotOptions mode(SnapshotMode mode) {
        return new SnapshotOptions(Objects.requireNonNull(mode, "mode"), tables, parallelism, chunkSize, newTablesInterval);
    }

    /**
     * The tables of the initial snapshot ({@code schema.table} or {@code table}, each in a publication); empty (the
     * default) means every table of the publications. A partitioned table stands for its published partitions.
     */
    public SnapshotOptions tables(List<String> tables) {
        for (String table : tables) {
            if (table == null || table.isBlank()) {
                throw new IllegalArgumentException("A snapshot table name must not be empty");
            }
        }
        return new SnapshotOptions(mode, List.copyOf(tables), parallelism, chunkSize, newTablesInterval);
    }

    /** Sessions that read an initial snapshot's tables in parallel, each one table at a time (default 2). */
    public SnapshotOptions parallelism(int parallelism) {
        if (parallelism < 1 || parallelism > 64) {
            throw new IllegalArgumentException("snapshot parallelism must be 1 to 64, was " + parallelism);
        }
        return new SnapshotOptions(mode, tables, parallelism, chunkSize, newTablesInterval);
    }

    /**
     * Rows per chunk of an incremental snapshot (default 4096): one chunk is held in memory between its watermarks,
     * and one chunk's worth of WAL is the most the slot holds back for it.
     */
    public SnapshotOptions chunkSize(int chunkSize) {
        if (chunkSize < 1 || chunkSize > 1_000_000) {
            throw new IllegalArgumentException("snapshot chunk size must be 1 to 1000000, was " + chunkSize);
        }
        return new SnapshotOptions(mode, tables, parallelism, chunkSize, newTablesInterval);
    }

    /**
     * Look for tables added to the publications this often, and take an incremental snapshot of each new one;
     * {@link Duration#ZERO} (the default) does not look. Tables found at the first look (once streaming) are the
     * known ones: a table added while the application was down is not new to it.
     */
    public SnapshotOptions newTablesInterval(Duration interval) {
        if (interval == null || interval.isNegative() || (!interval.isZero() && interval.toMillis() < 100)) {
            throw new IllegalArgumentException("the new-tables interval must be 0 (off) or at least 100ms, was " + Durations.text(interval));
        }
        return new SnapshotOptions(mode, tables, parallelism, chunkSize, interval);
    }

    public SnapshotMode mode() {
        return mode;
    }

    public List<String> tables() {
        return tables;
    }

    public int parallelism() {
        return parallelism;
    }

    public int chunkSize() {
        return chunkSize;
    }

    public Duration newTablesInterval() {
        return newTablesInterval;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SnapshotOptions that && mode == that.mode && tables.equals(that.tables)
                && parallelism == that.parallelism && chunkSize == that.chunkSize
                && newTablesInterval.equals(that.newTablesInterval);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, tables, parallelism, chunkSize, newTablesInterval);
    }

    @Override
    public String toString() {
        return "SnapshotOptions[mode=" + mode + ", tables=" + (tables.isEmpty() ? "the publications'" : tables)
                + ", parallelism=" + parallelism + ", chunkSize=" + chunkSize
                + (newTablesInterval.isZero() ? "" : ", newTablesInterval=" + Durations.text(newTablesInterval)) + ']';
    }
}
