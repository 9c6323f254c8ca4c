package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.pgoutput.ChangeEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * A table as a snapshot reads it: the columns the publications send (with their replica-identity flags, as a
 * Relation message has them), the key it is read in order of, and the publications' row filter.
 *
 * @param oid the table's OID
 * @param schema its schema
 * @param name its name
 * @param kind {@code pg_class.relkind}: {@code r} a table, {@code p} a partitioned table (published as its root)
 * @param replicaIdentity {@code pg_class.relreplident}: {@code d}, {@code n}, {@code f} or {@code i}
 * @param columns the published columns, in their order
 * @param key the columns of its primary key or a unique not-null index, in the index's order; empty when it has none
 * @param rowFilter the publications' row filter, or {@code null} when they publish every row
 * @param estimatedRows {@code pg_class.reltuples}, or -1 when unknown
 */
public record SnapshotTable(int oid, String schema, String name, char kind, char replicaIdentity,
                            List<ChangeEvent.Relation.Column> columns, List<String> key, String rowFilter, long estimatedRows) {

    public SnapshotTable {
        columns = List.copyOf(columns);
        key = List.copyOf(key);
    }

    /** {@code schema.table}, unquoted. */
    public String qualifiedName() {
        return schema + '.' + name;
    }

    /** The relation its rows belong to, as the stream's Relation message describes it. */
    public ChangeEvent.Relation relation() {
        return new ChangeEvent.Relation(0, oid, schema, name, replicaIdentity, columns);
    }

    /** The indexes of the key columns among {@link #columns}. */
    public int[] keyIndexes() {
        int[] indexes = new int[key.size()];
        for (int i = 0; i < indexes.length; i++) {
            indexes[i] = columnIndex(key.get(i));
        }
        return indexes;
    }

    private int columnIndex(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return i;
            }
        }
        throw new IllegalStateException("Key column " + column + " of " + qualifiedName() + " is not published");
    }

    /** The published columns, quoted, separated by commas. */
    String columnList() {
        List<String> names = new ArrayList<>(columns.size());
        columns.forEach(column -> names.add(SqlText.identifier(column.name())));
        return String.join(", ", names);
    }

    /** The table, quoted, with ONLY unless it is a partitioned table (whose rows are in its partitions). */
    String from() {
        return (kind == 'p' ? "" : "ONLY ") + SqlText.identifier(schema) + '.' + SqlText.identifier(name);
    }

    /** The COPY of every published row, as an initial snapshot reads it. */
    String copyAll(boolean binary) {
        String format = binary ? " WITH (FORMAT binary)" : "";
        if (kind == 'p' || rowFilter != null) {
            return "COPY (SELECT " + columnList() + " FROM " + from() + (rowFilter == null ? "" : " WHERE " + rowFilter)
                    + ") TO STDOUT" + format;
        }
        return "COPY " + SqlText.identifier(schema) + '.' + SqlText.identifier(name) + " (" + columnList() + ") TO STDOUT"
                + format;
    }

    /**
     * The COPY of one chunk: the next {@code limit} rows in key order after {@code after} (their keys' text), or
     * from the first when {@code after} is {@code null}.
     */
    String copyChunk(List<String> after, int limit, boolean binary) {
        List<String> keyColumns = new ArrayList<>(key.size());
        key.forEach(column -> keyColumns.add(SqlText.identifier(column)));
        String keyList = String.join(", ", keyColumns);
        List<String> conditions = new ArrayList<>(2);
        if (rowFilter != null) {
            conditions.add("(" + rowFilter + ")");
        }
        if (after != null) {
            List<String> values = new ArrayList<>(after.size());
            after.forEach(value -> values.add(SqlText.literal(value)));
            // A row comparison walks the key's index in its order, as ORDER BY does.
            conditions.add("(" + keyList + ") > (" + String.join(", ", values) + ")");
        }
        return "COPY (SELECT " + columnList() + " FROM " + from()
                + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
                + " ORDER BY " + keyList + " LIMIT " + limit + ") TO STDOUT" + (binary ? " WITH (FORMAT binary)" : "");
    }
}
