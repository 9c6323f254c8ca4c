package io.github.pgrepl.test;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.pgoutput.RowBuilder;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decoded pgoutput events built without a server, for the tests of listeners: rows from maps of column names to Java
 * values, as {@code Row.getObject} returns them (each column's type follows from its value: Integer is int4, BigDecimal
 * numeric, String text, Instant or OffsetDateTime timestamptz, a List an array...).
 *
 * <pre>{@code
 * List<ChangeEvent> events = ChangeEvents.transaction(
 *         ChangeEvents.insert("public.orders", Map.of("id", 1, "amount", new BigDecimal("9.99"))),
 *         ChangeEvents.update("orders", Map.of("id", 1, "amount", new BigDecimal("5.00"))),
 *         ChangeEvents.delete("orders", Map.of("id", 1)));
 * ReplicationListeners.of(projection).deliver(events);
 * }</pre>
 *
 * <p>A table without a schema is in {@code public}. Column {@code id} is the key when there is one; {@link #table}
 * names other keys. {@link #row} builds a map with NULLs (which {@code Map.of} refuses), and {@link #UNCHANGED_TOAST}
 * stands for a TOASTed value an update did not change.
 */
public final class ChangeEvents {

    /** A column value that the server did not send: a TOASTed value the update did not change. */
    public static final Object UNCHANGED_TOAST = new Object() {
        @Override
        public String toString() {
            return "<unchanged toast>";
        }
    };

    private static final AtomicLong NEXT_XID = new AtomicLong(1000);
    private static final AtomicLong NEXT_LSN = new AtomicLong(0x1000000);

    private ChangeEvents() {
    }

    /** A table whose key is {@code keyColumns}, for events of its own. */
    public static Table table(String table, String... keyColumns) {
        return new Table(table, Set.copyOf(Arrays.asList(keyColumns)));
    }

    /** A row from column names and values, in order, NULLs allowed: {@code row("id", 1, "note", null)}. */
    public static Map<String, Object> row(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("row() takes column names and values in pairs");
        }
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            row.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return row;
    }

    public static ChangeEvent.Insert insert(String table, Map<String, ?> row) {
        return byId(table).insert(row);
    }

    /** An update whose old row is unknown (the default replica identity, key unchanged). */
    public static ChangeEvent.Update update(String table, Map<String, ?> row) {
        return byId(table).update(row);
    }

    /** An update with its whole old row, as under {@code REPLICA IDENTITY FULL}. */
    public static ChangeEvent.Update update(String table, Map<String, ?> before, Map<String, ?> after) {
        return byId(table).update(before, after);
    }

    /** A delete that tells only the key (the default replica identity). */
    public static ChangeEvent.Delete delete(String table, Map<String, ?> key) {
        return byId(table).delete(key);
    }

    public static ChangeEvent.Truncate truncate(String... tables) {
        List<Relation> relations = new ArrayList<>();
        for (String table : tables) {
            relations.add(byId(table).relation(Map.of()));
        }
        return new ChangeEvent.Truncate(relations, false, false, 0);
    }

    /**
     * A committed transaction: its {@code Begin}, the changes, its {@code Commit}, with a new transaction id and a
     * commit position after the last one built.
     */
    public static List<ChangeEvent> transaction(ChangeEvent... changes) {
        return transaction(Arrays.asList(changes));
    }

    public static List<ChangeEvent> transaction(List<? extends ChangeEvent> changes) {
        long xid = NEXT_XID.getAndIncrement();
        Lsn commit = Lsn.of(NEXT_LSN.addAndGet(0x100));
        Instant now = Instant.now();
        List<ChangeEvent> events = new ArrayList<>(changes.size() + 2);
        events.add(new ChangeEvent.Begin(commit, now, xid));
        events.addAll(changes);
        events.add(new ChangeEvent.Commit(0, commit, Lsn.of(commit.value() + 0x30), now));
        return events;
    }

    private static Table byId(String table) {
        return new Table(table, null);
    }

    /** Events of one table, with its key columns. */
    public static final class Table {

        private final String schema;
        private final String name;
        /** {@code null}: column {@code id}, if any. */
        private final Set<String> keyColumns;

        private Table(String table, Set<String> keyColumns) {
            Objects.requireNonNull(table, "table");
            int dot = table.indexOf('.');
            this.schema = dot < 0 ? "public" : table.substring(0, dot);
            this.name = dot < 0 ? table : table.substring(dot + 1);
            this.keyColumns = keyColumns;
        }

        public ChangeEvent.Insert insert(Map<String, ?> row) {
            Relation relation = relation(row);
            return new ChangeEvent.Insert(relation, build(relation, row), 0);
        }

        public ChangeEvent.Update update(Map<String, ?> row) {
            Relation relation = relation(row);
            return new ChangeEvent.Update(relation, null, null, build(relation, row), 0);
        }

        public ChangeEvent.Update update(Map<String, ?> before, Map<String, ?> after) {
            Relation relation = relation(after);
            return new ChangeEvent.Update(relation, null, build(relation, before), build(relation, after), 0);
        }

        public ChangeEvent.Delete delete(Map<String, ?> key) {
            Relation relation = relation(key);
            return new ChangeEvent.Delete(relation, build(relation, key), null, 0);
        }

        Relation relation(Map<String, ?> row) {
            List<Relation.Column> columns = new ArrayList<>(row.size());
            row.forEach((column, value) -> columns.add(new Relation.Column(isKey(column), column, typeOid(column, value), -1)));
            return new Relation(0, (schema + "." + name).hashCode() & 0x7fffffff, schema, name, 'd', columns);
        }

        private boolean isKey(String column) {
            return keyColumns == null ? "id".equals(column) : keyColumns.contains(column);
        }

        private Row build(Relation relation, Map<String, ?> values) {
            RowBuilder row = RowBuilder.of(relation);
            for (Relation.Column column : relation.columns()) {
                Object value = values.get(column.name());
                if (value == UNCHANGED_TOAST) {
                    row.unchangedToast(column.name());
                } else if (value instanceof Enum<?> constant) {
                    row.text(column.name(), constant.name());
                } else if (value instanceof BigInteger integer) {
                    row.text(column.name(), integer.toString());
                } else {
                    row.value(column.name(), value);
                }
            }
            return row.build();
        }
    }

    /** The type a value of {@code Row.getObject} has in the server: text for NULL, enums and what is unknown. */
    static int typeOid(String column, Object value) {
        if (value instanceof List<?> list) {
            Object element = list.stream().filter(each -> each != null).findFirst().orElse(null);
            int elementType = typeOid(column, element);
            return switch (elementType) {
                case 16 -> 1000;
                case 17 -> 1001;
                case 20 -> 1016;
                case 21 -> 1005;
                case 23 -> 1007;
                case 700 -> 1021;
                case 701 -> 1022;
                case 1082 -> 1182;
                case 1083 -> 1183;
                case 1114 -> 1115;
                case 1184 -> 1185;
                case 1700 -> 1231;
                case 2950 -> 2951;
                default -> 1009;
            };
        }
        if (value instanceof Boolean) {
            return 16;
        }
        if (value instanceof byte[]) {
            return 17;
        }
        if (value instanceof Long) {
            return 20;
        }
        if (value instanceof Short) {
            return 21;
        }
        if (value instanceof Integer) {
            return 23;
        }
        if (value instanceof Float) {
            return 700;
        }
        if (value instanceof Double) {
            return 701;
        }
        if (value instanceof BigDecimal || value instanceof BigInteger) {
            return 1700;
        }
        if (value instanceof LocalDate) {
            return 1082;
        }
        if (value instanceof LocalTime) {
            return 1083;
        }
        if (value instanceof LocalDateTime) {
            return 1114;
        }
        if (value instanceof OffsetDateTime || value instanceof Instant) {
            return 1184;
        }
        if (value instanceof UUID) {
            return 2950;
        }
        if (value == null || value == UNCHANGED_TOAST || value instanceof String || value instanceof Enum<?>) {
            return 25;
        }
        throw new IllegalArgumentException("Column '" + column + "': pgrepl-test has no PostgreSQL type for a "
                + value.getClass().getName() + "; use a value Row.getObject returns (Integer, Long, BigDecimal, String,"
                + " Boolean, UUID, java.time types, byte[], List) or its text as a String");
    }
}
