package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.QueryResult;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.SnapshotException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a snapshot asks the catalog, in two steps: which published tables the requested names stand for
 * ({@link #resolve}), then how each of those is read ({@link #describe}: published columns, replica identity, a key,
 * the row filter). Each step is one simple query (several statements); the parsing is here too. PostgreSQL 14 has no
 * column lists nor row filters.
 */
public final class SnapshotCatalog {

    private final List<String> publications;
    private final int serverVersionNum;

    public SnapshotCatalog(List<String> publications, int serverVersionNum) {
        this.publications = List.copyOf(publications);
        this.serverVersionNum = serverVersionNum;
    }

    private boolean hasColumnLists() {
        return serverVersionNum >= 150000;
    }

    private String published() {
        // Joined by name, not cast to regclass: the planner may evaluate a cast for catalog rows the join drops later,
        // and a cast checks USAGE on the schema, which a role that is no superuser lacks on pg_toast.
        return "SELECT c.oid AS relid" + (hasColumnLists() ? ", p.attnames, p.rowfilter" : "")
                + " FROM pg_catalog.pg_publication_tables p"
                + " JOIN pg_catalog.pg_namespace pn ON pn.nspname = p.schemaname"
                + " JOIN pg_catalog.pg_class c ON c.relnamespace = pn.oid AND c.relname = p.tablename"
                + " WHERE p.pubname IN (" + SqlText.literals(publications) + ")";
    }

    /**
     * The published tables that {@code tables} name ({@code schema.table} or {@code table}, a partitioned table standing
     * for its published partitions), in the order named; every published table when {@code tables} is empty. One row
     * per match: ordinal, requested name, the name's OID (null when no such table), the published table's OID (null
     * when not published).
     */
    public String resolveQuery(List<String> tables) {
        if (tables.isEmpty()) {
            return "WITH pub AS (" + published() + ") SELECT DISTINCT 0, NULL, c.oid, c.oid, n.nspname, c.relname"
                    + " FROM pub JOIN pg_catalog.pg_class c ON c.oid = pub.relid"
                    + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY 5, 6";
        }
        List<String> rows = new ArrayList<>(tables.size());
        for (int i = 0; i < tables.size(); i++) {
            rows.add("(" + (i + 1) + ", " + SqlText.literal(tables.get(i)) + ", " + SqlText.regclassLiteral(tables.get(i)) + ")");
        }
        return "WITH pub AS (" + published() + "), req AS (SELECT ord, name, to_regclass(regtext) AS rel FROM (VALUES "
                + String.join(", ", rows) + ") v(ord, name, regtext))"
                + " SELECT req.ord, req.name, req.rel::oid, t.relid::oid FROM req LEFT JOIN LATERAL"
                + " (SELECT relid FROM (SELECT req.rel AS relid UNION SELECT relid FROM pg_catalog.pg_partition_tree(req.rel)) tree"
                + " WHERE relid::oid IN (SELECT relid FROM pub)) t"
                + " ON true ORDER BY req.ord, t.relid::oid";
    }

    /**
     * The OIDs of the published tables of a {@link #resolveQuery}'s result, each once, in order.
     *
     * @throws SnapshotException naming the first table that does not exist or is not published
     */
    public List<Integer> resolved(QueryResult result) {
        Set<Integer> oids = new LinkedHashSet<>();
        for (List<String> row : result.rows()) {
            if (row.get(2) == null) {
                throw new SnapshotException(SnapshotException.Reason.UNKNOWN_TABLE, "Table " + row.get(1)
                        + " does not exist (names are schema.table or table, compared as the catalog stores them)");
            }
            if (row.get(3) == null) {
                throw new SnapshotException(SnapshotException.Reason.NOT_PUBLISHED, "Table " + row.get(1)
                        + " is not in publication(s) " + publications + ", so the stream sends none of its changes: add it"
                        + " (ALTER PUBLICATION " + publications.get(0) + " ADD TABLE " + row.get(1) + ") first");
            }
            oids.add(Integer.parseUnsignedInt(row.get(3)));
        }
        return List.copyOf(oids);
    }

    /** Three statements about {@code oids}: their published columns, their unique not-null keys, their row filters. */
    public String describeQuery(List<Integer> oids) {
        String in = oids.stream().map(Integer::toUnsignedString).collect(Collectors.joining(", "));
        String columns = "WITH pt AS (" + published() + ")"
                + " SELECT c.oid, n.nspname, c.relname, c.relkind, c.relreplident, c.reltuples::bigint,"
                + " a.attname, a.atttypid, a.atttypmod,"
                + " c.relreplident = 'f' OR coalesce(a.attnum = ANY (ri.indkey::int2[]), false)"
                + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
                + " AND a.attgenerated = ''"
                + " LEFT JOIN pg_catalog.pg_index ri ON ri.indrelid = c.oid AND CASE c.relreplident"
                + " WHEN 'd' THEN ri.indisprimary WHEN 'i' THEN ri.indisreplident ELSE false END"
                + " WHERE c.oid IN (" + in + ")"
                + (hasColumnLists() ? " AND EXISTS (SELECT 1 FROM pt WHERE pt.relid = c.oid AND a.attname = ANY (pt.attnames))" : "")
                + " ORDER BY c.oid, a.attnum";
        String keys = "SELECT i.indrelid, i.indexrelid, a.attname"
                + " FROM pg_catalog.pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)"
                + " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                + " WHERE i.indrelid IN (" + in + ") AND i.indisunique AND i.indisvalid AND i.indimmediate"
                + " AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts"
                + " AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[]) WITH ORDINALITY x(attnum, ord)"
                + " JOIN pg_catalog.pg_attribute b ON b.attrelid = i.indrelid AND b.attnum = x.attnum"
                + " WHERE x.ord <= i.indnkeyatts AND NOT b.attnotnull)"
                + " ORDER BY i.indrelid, i.indisreplident DESC, i.indisprimary DESC, i.indexrelid, k.ord";
        String filters = hasColumnLists()
                ? "WITH pt AS (" + published() + ") SELECT relid, rowfilter FROM pt WHERE relid IN (" + in + ")"
                : "SELECT NULL::oid, NULL::text WHERE false";
        return columns + "; " + keys + "; " + filters;
    }

    /** The tables of a {@link #describeQuery}'s three results, in the order of {@code oids}. */
    public List<SnapshotTable> described(List<Integer> oids, List<QueryResult> results) {
        if (results.size() != 3) {
            throw new IllegalStateException("Expected 3 results describing the snapshot's tables, got " + results.size());
        }
        Map<Integer, List<List<String>>> columnsByTable = group(results.get(0), 0);
        Map<Integer, List<String>> keys = firstKeys(results.get(1));
        Map<Integer, String> filters = filters(results.get(2));
        List<SnapshotTable> tables = new ArrayList<>(oids.size());
        for (Integer oid : oids) {
            List<List<String>> rows = columnsByTable.get(oid);
            if (rows == null) {
                throw new SnapshotException(SnapshotException.Reason.UNKNOWN_TABLE, "Table with OID "
                        + Integer.toUnsignedString(oid) + " has no published columns, or was dropped meanwhile");
            }
            List<String> first = rows.get(0);
            List<ChangeEvent.Relation.Column> columns = new ArrayList<>(rows.size());
            Set<String> names = new LinkedHashSet<>();
            for (List<String> row : rows) {
                columns.add(new ChangeEvent.Relation.Column("t".equals(row.get(9)), row.get(6), Integer.parseUnsignedInt(row.get(7)),
                        Integer.parseInt(row.get(8))));
                names.add(row.get(6));
            }
            List<String> key = keys.getOrDefault(oid, List.of());
            if (!names.containsAll(key)) {
                key = List.of(); // a key the publication's column list leaves out cannot be told in the stream
            }
            long estimate = Long.parseLong(first.get(5));
            tables.add(new SnapshotTable(oid, first.get(1), first.get(2), first.get(3).charAt(0), first.get(4).charAt(0),
                    columns, key, filters.get(oid), estimate < 0 ? -1 : estimate));
        }
        return tables;
    }

    private static Map<Integer, List<List<String>>> group(QueryResult result, int column) {
        Map<Integer, List<List<String>>> grouped = new LinkedHashMap<>();
        for (List<String> row : result.rows()) {
            grouped.computeIfAbsent(Integer.parseUnsignedInt(row.get(column)), oid -> new ArrayList<>()).add(row);
        }
        return grouped;
    }

    /** Each table's preferred key: the replica identity index, else the primary key, else the first unique not-null. */
    private static Map<Integer, List<String>> firstKeys(QueryResult result) {
        Map<Integer, List<String>> keys = new LinkedHashMap<>();
        Map<Integer, String> chosenIndex = new LinkedHashMap<>();
        for (List<String> row : result.rows()) {
            int table = Integer.parseUnsignedInt(row.get(0));
            String index = row.get(1);
            chosenIndex.putIfAbsent(table, index);
            if (chosenIndex.get(table).equals(index)) {
                keys.computeIfAbsent(table, oid -> new ArrayList<>()).add(row.get(2));
            }
        }
        return keys;
    }

    /**
     * Each table's row filter: the publications' filters joined with OR, as the stream applies them; none when one of
     * its publications has none.
     */
    private static Map<Integer, String> filters(QueryResult result) {
        Map<Integer, List<String>> all = new LinkedHashMap<>();
        for (List<String> row : result.rows()) {
            all.computeIfAbsent(Integer.parseUnsignedInt(row.get(0)), oid -> new ArrayList<>()).add(row.get(1));
        }
        Map<Integer, String> filters = new LinkedHashMap<>();
        all.forEach((oid, list) -> {
            if (!list.contains(null)) {
                filters.put(oid, list.stream().distinct().map(filter -> "(" + filter + ")").collect(Collectors.joining(" OR ")));
            }
        });
        return filters;
    }
}
