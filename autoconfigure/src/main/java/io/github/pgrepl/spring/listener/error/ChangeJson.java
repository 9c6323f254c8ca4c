package io.github.pgrepl.spring.listener.error;

import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ChangeTransaction;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A failed change as JSON-ready maps: table, operation, key, before, after, lsn, xid. An unchanged TOAST column has no
 * value (it was not sent): it is left out of its row and named under {@code unchangedToast}.
 */
final class ChangeJson {

    private ChangeJson() {
    }

    static Map<String, Object> of(FailedChange failed) {
        if (failed.change() != null) {
            return change(failed.change());
        }
        Map<String, Object> json = new LinkedHashMap<>();
        ChangeTransaction transaction = failed.transaction();
        if (transaction != null) {
            json.put("xid", transaction.xid());
            json.put("lsn", transaction.commitLsn().toString());
            List<Map<String, Object>> changes = new ArrayList<>();
            for (Change<Row> change : transaction.changes()) {
                changes.add(change(change));
            }
            json.put("changes", changes);
        } else {
            json.put("event", failed.event().toString());
        }
        return json;
    }

    private static Map<String, Object> change(Change<Row> change) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("table", change.source().qualifiedTable());
        json.put("operation", change.operation().name());
        json.put("key", change.key());
        List<String> unchanged = new ArrayList<>();
        json.put("before", row(change.before(), unchanged));
        json.put("after", row(change.after(), unchanged));
        if (!unchanged.isEmpty()) {
            json.put("unchangedToast", unchanged);
        }
        json.put("lsn", change.source().lsn() == null ? null : change.source().lsn().toString());
        json.put("xid", change.source().xid());
        return json;
    }

    private static Map<String, Object> row(Row row, List<String> unchanged) {
        if (row == null) {
            return null;
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < row.size(); i++) {
            String column = row.columnNames().get(i);
            if (row.isUnchangedToast(i)) {
                if (!unchanged.contains(column)) {
                    unchanged.add(column);
                }
            } else {
                values.put(column, row.getObject(i));
            }
        }
        return values;
    }
}
