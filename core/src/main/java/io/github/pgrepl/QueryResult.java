package io.github.pgrepl;

import java.util.List;

/**
 * One statement's result from the simple query protocol: the command tag ({@code SELECT 1},
 * {@code CREATE_REPLICATION_SLOT}), the column names and the rows as text ({@code null} for NULL).
 */
public record QueryResult(String commandTag, List<String> columns, List<List<String>> rows) {

    public QueryResult {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /** The value at {@code row}, {@code column}, by column name. */
    public String value(int row, String column) {
        int index = columns.indexOf(column);
        if (index < 0) {
            throw new IllegalArgumentException("No column '" + column + "' in " + columns);
        }
        return rows.get(row).get(index);
    }
}
