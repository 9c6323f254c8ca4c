package io.github.pgrepl.spring.listener;

import io.github.pgrepl.Lsn;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One change to one row of a table, with the row mapped to {@code T} (a record, a class with a constructor or setters,
 * {@code Map<String, Object>} or {@link io.github.pgrepl.pgoutput.Row Row}).
 *
 * <ul>
 * <li>{@link #after()}: the row after an {@code INSERT} or {@code UPDATE}; {@code null} for a {@code DELETE} and a
 * {@code TRUNCATE}.</li>
 * <li>{@link #before()}: the whole row before an {@code UPDATE} or {@code DELETE}, which the server sends only for a
 * table with {@code REPLICA IDENTITY FULL}; {@code null} otherwise (and then {@link #key()} says which row it was).</li>
 * <li>{@link #key()}: the replica identity (by default the primary key) of the row, by column name: for an
 * {@code UPDATE} or {@code DELETE} the row's identity before the change; empty for a {@code TRUNCATE} and for a table
 * without replica identity.</li>
 * </ul>
 *
 * @param operation what happened
 * @param before the old row, under {@code REPLICA IDENTITY FULL}; else {@code null}
 * @param after the new row, or {@code null}
 * @param key the replica identity's values, by column name; never {@code null}
 * @param source where the change comes from
 * @param <T> what the row is mapped to
 */
public record Change<T>(Operation operation, T before, T after, Map<String, Object> key, Source source) {

    public Change {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(source, "source");
        key = key == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(key));
    }

    /** The change with its rows mapped to something else, e.g. by a {@link ChangeTransaction}. */
    public <R> Change<R> withRows(R before, R after) {
        return new Change<>(operation, before, after, key, source);
    }

    @Override
    public String toString() {
        return operation + " " + source.qualifiedTable() + (key.isEmpty() ? "" : " key " + key) + " (xid " + source.xid()
                + ", commit " + source.lsn() + ")";
    }

    /**
     * Where a change comes from.
     *
     * @param lsn the position of the transaction's commit: what is confirmed to the server once the transaction is
     *     processed; {@code null} only for a change outside any transaction
     * @param xid the transaction's id
     * @param commitTime when the transaction committed on the server
     * @param schema the table's schema
     * @param table the table's name
     */
    public record Source(Lsn lsn, long xid, Instant commitTime, String schema, String table) {

        /** {@code schema.table}. */
        public String qualifiedTable() {
            return schema + "." + table;
        }

        /**
         * Whether the change is to {@code name}: {@code schema.table}, or a bare {@code table} in any schema. Names are
         * compared exactly, as the catalog stores them.
         */
        public boolean isTable(String name) {
            int dot = name.indexOf('.');
            return dot < 0 ? name.equals(table) : name.equals(qualifiedTable());
        }
    }
}
