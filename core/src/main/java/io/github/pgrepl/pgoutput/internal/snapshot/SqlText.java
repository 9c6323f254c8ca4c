package io.github.pgrepl.pgoutput.internal.snapshot;

import java.util.List;
import java.util.stream.Collectors;

/** Quoting for the SQL the snapshots send. */
final class SqlText {

    private SqlText() {
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** {@code schema.table} or {@code table}, each part quoted so that names keep their case, as a text literal. */
    static String regclassLiteral(String table) {
        int dot = table.indexOf('.');
        String quoted = dot < 0 ? identifier(table) : identifier(table.substring(0, dot)) + "." + identifier(table.substring(dot + 1));
        return literal(quoted);
    }

    static String literals(List<String> values) {
        return values.stream().map(SqlText::literal).collect(Collectors.joining(", "));
    }
}
