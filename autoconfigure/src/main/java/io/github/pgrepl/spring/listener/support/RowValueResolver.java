package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.pgoutput.ChangeEvent.Relation.Column;
import io.github.pgrepl.spring.listener.ColumnValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.validation.DataBinder;

/**
 * The values of a {@link Row} for Spring's {@link DataBinder}, by property name: the column of that exact name, else
 * the one whose name matches ignoring case and underscores ({@code createdAt}, {@code created_at}). It hands the
 * binder each column's own Java value, which the binder converts to the property's type, and notes what cannot be
 * bound rather than let it become a silent null: a NULL into a primitive, an unchanged TOAST value into anything but a
 * {@link ColumnValue}, a constructor parameter without a column.
 */
final class RowValueResolver implements DataBinder.ValueResolver {

    private static final int TIMESTAMPTZ = 1184;
    /** What {@link #read} returns for a value the property cannot hold. */
    static final Object UNBOUND = new Object();

    private final Row row;
    /** The old row of an update, which has the values of unchanged TOAST columns under REPLICA IDENTITY FULL. */
    private final Row fallback;
    private final String target;
    private final Map<String, Integer> byLooseName = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    RowValueResolver(Row row, Row fallback, String target) {
        this.row = row;
        this.fallback = fallback;
        this.target = target;
        byLooseName.putAll(looseNames(row.columnNames()));
    }

    /**
     * Column indexes by name ignoring case and underscores; two columns that differ only in case or underscores are
     * found by neither loose name (-1), only by their exact names.
     */
    static Map<String, Integer> looseNames(List<String> names) {
        Map<String, Integer> byLooseName = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            byLooseName.merge(loose(names.get(i)), i, (first, second) -> -1);
        }
        return byLooseName;
    }

    @Override
    public Set<String> getNames() {
        return new LinkedHashSet<>(row.columnNames());
    }

    /** The column a property binds to, or -1. */
    int column(String property) {
        return column(row.columnNames(), byLooseName, property);
    }

    /** The column of {@code names} that {@code property} binds to, or -1; {@code byLooseName} from {@link #looseNames}. */
    static int column(List<String> names, Map<String, Integer> byLooseName, String property) {
        int exact = names.indexOf(property);
        if (exact >= 0) {
            return exact;
        }
        Integer loose = byLooseName.get(loose(property));
        return loose == null ? -1 : loose;
    }

    @Override
    public Object resolveValue(String name, Class<?> type) {
        int column = column(name);
        if (column < 0) {
            if (type != Optional.class) {
                problems.add(target + "." + name + " has no column in " + row.relation().qualifiedName() + " (columns: "
                        + row.columnNames() + "): name the constructor parameter after a column (created_at binds to"
                        + " createdAt), or make it Optional");
            }
            return null;
        }
        return value(column, name, type);
    }

    /** Column {@code column}'s value for property {@code property} of type {@code type}. */
    Object value(int column, String property, Class<?> type) {
        Object value = read(row, fallback, column, type);
        if (value != UNBOUND) {
            return value;
        }
        if (row.isUnchangedToast(column) && fallbackIndex(row, fallback, column) < 0) {
            problems.add("column '" + columnName(column) + "' of " + row.relation().qualifiedName() + " is an"
                    + " unchanged TOAST value (the UPDATE did not change it, so the server did not send it), which "
                    + target + "." + property + " (" + type.getSimpleName() + ") cannot hold: declare it as"
                    + " ColumnValue<" + boxed(type).getSimpleName() + ">, or bind Row, or ALTER TABLE "
                    + row.relation().qualifiedName() + " REPLICA IDENTITY FULL so that the old row has it");
        } else {
            problems.add("column '" + columnName(column) + "' of " + row.relation().qualifiedName() + " is NULL, which "
                    + target + "." + property + " (" + type.getName() + ") cannot hold: declare it as "
                    + boxed(type).getSimpleName());
        }
        return null;
    }

    /**
     * Column {@code column}'s own Java value for a property of type {@code type}, or {@link #UNBOUND} when the property
     * cannot hold it (an unchanged TOAST value not in {@code fallback}, a NULL into a primitive). Shared by this
     * resolver and the compiled {@link BindingPlan}, so that both read a column the same way.
     */
    static Object read(Row row, Row fallback, int column, Class<?> type) {
        Row source = row;
        int index = column;
        if (row.isUnchangedToast(column)) {
            int old = fallbackIndex(row, fallback, column);
            if (old >= 0) {
                source = fallback; // the same value: the update did not change it, and the old row has it
                index = old;
            } else if (type == ColumnValue.class) {
                return ColumnValue.unchanged();
            } else {
                return UNBOUND;
            }
        }
        if (source.isNull(index)) {
            if (type == ColumnValue.class) {
                return ColumnValue.of(null);
            }
            return type.isPrimitive() ? UNBOUND : null;
        }
        Object value = type == Instant.class && isTimestamptz(source, index) ? source.getInstant(index) : source.getObject(index);
        return type == ColumnValue.class ? ColumnValue.of(value) : value;
    }

    /** Where the old row has the value of the new row's unchanged TOAST column {@code column}, or -1. */
    private static int fallbackIndex(Row row, Row fallback, int column) {
        if (fallback == null) {
            return -1;
        }
        int old = fallback.columnNames().indexOf(row.columnNames().get(column));
        return old >= 0 && !fallback.isUnchangedToast(old) ? old : -1;
    }

    /** What could not be bound, each with its fix. */
    List<String> problems() {
        return problems;
    }

    private String columnName(int column) {
        return row.columnNames().get(column);
    }

    private static boolean isTimestamptz(Row row, int index) {
        Column column = row.relation().columns().get(index);
        return column.typeOid() == TIMESTAMPTZ; // Row's own Instant keeps infinity as Instant.MAX, not a far date
    }

    private static String loose(String name) {
        return name.replace("_", "").toLowerCase(Locale.ROOT);
    }

    private static Class<?> boxed(Class<?> type) {
        return org.springframework.util.ClassUtils.resolvePrimitiveIfNecessary(type);
    }
}
