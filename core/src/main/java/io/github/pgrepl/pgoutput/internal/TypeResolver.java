package io.github.pgrepl.pgoutput.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a column's type OID to the {@link PgType} its values are in: a built-in type by its fixed OID, and, from the
 * catalog ({@link #CATALOG_QUERY}), a domain to its base type, an enum to text (its binary form is its label), and
 * an array of either to the array of what they resolve to. pgoutput names a domain column by the domain's OID but
 * sends its values in the base type's format, so without this a binary {@code posint} column would be unreadable.
 * Immutable.
 */
public final class TypeResolver {

    /** Built-in types only: what a decoder knows before (or without) the catalog. */
    public static final TypeResolver BUILT_IN = new TypeResolver(Map.of());

    /**
     * One row per domain, enum, and array of either: oid, typtype ({@code d}, {@code e} or {@code b} for an array),
     * typbasetype, typelem. Cheap: user-defined types are few.
     */
    public static final String CATALOG_QUERY = "SELECT t.oid, t.typtype, t.typbasetype, t.typelem FROM pg_catalog.pg_type t"
            + " WHERE t.typtype IN ('d', 'e') OR (t.typcategory = 'A' AND t.typelem IN"
            + " (SELECT e.oid FROM pg_catalog.pg_type e WHERE e.typtype IN ('d', 'e')))";

    /** Domains over domains over…: deeper chains than this are not followed (PostgreSQL has no limit, users do). */
    private static final int MAX_DEPTH = 16;

    private final Map<Integer, PgType> resolved;

    private TypeResolver(Map<Integer, PgType> resolved) {
        this.resolved = Map.copyOf(resolved);
    }

    /** From the rows of {@link #CATALOG_QUERY}, as text. */
    public static TypeResolver fromCatalog(List<List<String>> rows) {
        Map<Integer, List<String>> byOid = new HashMap<>();
        for (List<String> row : rows) {
            byOid.put(Integer.parseUnsignedInt(row.get(0)), row);
        }
        Map<Integer, PgType> resolved = new HashMap<>();
        for (Integer oid : byOid.keySet()) {
            PgType type = resolve(oid, byOid, 0);
            if (type != null) {
                resolved.put(oid, type);
            }
        }
        return new TypeResolver(resolved);
    }

    private static PgType resolve(int oid, Map<Integer, List<String>> catalog, int depth) {
        PgType builtIn = PgType.of(oid);
        List<String> row = catalog.get(oid);
        if (builtIn != null || row == null || depth > MAX_DEPTH) {
            return builtIn;
        }
        switch (row.get(1)) {
            case "e":
                return PgType.TEXT;
            case "d":
                return resolve(Integer.parseUnsignedInt(row.get(2)), catalog, depth + 1);
            default:
                PgType element = resolve(Integer.parseUnsignedInt(row.get(3)), catalog, depth + 1);
                return element == null || element.isArray() ? null : element.arrayType();
        }
    }

    /** The type values of {@code oid} are in, or {@code null} for a type pgrepl leaves as text it cannot read. */
    public PgType resolve(int oid) {
        PgType builtIn = PgType.of(oid);
        return builtIn != null ? builtIn : resolved.get(oid);
    }
}
