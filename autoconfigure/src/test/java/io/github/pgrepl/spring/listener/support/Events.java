package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.ChangeEvent.Relation.Column;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.pgoutput.RowBuilder;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Relations, rows and events for the listener tests, built without a server. */
final class Events {

    static final Object TOAST = new Object();

    private Events() {
    }

    /** {@code columns}: name, type OID, name, type OID...; a name starting with {@code *} is a key column. */
    static Relation relation(String qualified, Object... columns) {
        List<Column> list = new ArrayList<>();
        for (int i = 0; i < columns.length; i += 2) {
            String name = (String) columns[i];
            boolean key = name.startsWith("*");
            list.add(new Column(key, key ? name.substring(1) : name, (Integer) columns[i + 1], -1));
        }
        String[] parts = qualified.split("\\.");
        return new Relation(0, qualified.hashCode(), parts[0], parts[1], 'd', list);
    }

    /** Values in column order: Java values, {@code null} or {@link #TOAST}. */
    static Row row(Relation relation, Object... values) {
        RowBuilder builder = RowBuilder.of(relation);
        for (int i = 0; i < values.length; i++) {
            String column = relation.columns().get(i).name();
            if (values[i] == TOAST) {
                builder.unchangedToast(column);
            } else {
                builder.value(column, values[i]);
            }
        }
        return builder.build();
    }

    static ChangeEvent.Begin begin(long xid, long lsn) {
        return new ChangeEvent.Begin(Lsn.of(lsn), Instant.parse("2026-01-01T10:00:00Z"), xid);
    }

    static ChangeEvent.Commit commit(long lsn) {
        return new ChangeEvent.Commit(0, Lsn.of(lsn), Lsn.of(lsn + 8), Instant.parse("2026-01-01T10:00:00Z"));
    }

    static ChangeEvent.Insert insert(Relation relation, Object... values) {
        return new ChangeEvent.Insert(relation, row(relation, values), 0);
    }

    static ChangeEvent.Update update(Relation relation, Row oldRow, Object... values) {
        return new ChangeEvent.Update(relation, null, oldRow, row(relation, values), 0);
    }

    static ChangeEvent.Delete delete(Relation relation, Object... keyValues) {
        return new ChangeEvent.Delete(relation, row(relation, keyValues), null, 0);
    }
}
