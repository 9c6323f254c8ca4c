package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.Operation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link Change}s of one decoded event: a snapshot's Read, an Insert, Update or Delete is one, a Truncate one per
 * table, anything else none. The key is the replica identity's columns (by default the primary key). One mapping for
 * every consumer of changes: listener methods ({@link ChangeDispatcher}) and the Kafka relay.
 */
public final class ChangeMapping {

    private ChangeMapping() {
    }

    /**
     * @param commitLsn the transaction's commit position (its {@code Begin}'s final LSN); {@code null} outside a
     *     transaction (the rows of an initial snapshot), or for a source without a position (listener methods give a
     *     snapshot's Read none, though an incremental snapshot's arrive inside its watermark's transaction)
     * @param xid the transaction's id, for a change that does not carry its own; 0 outside a transaction
     * @param commitTime the transaction's commit time; {@code null} outside a transaction
     */
    public static List<Change<Row>> of(ChangeEvent event, Lsn commitLsn, long xid, Instant commitTime) {
        if (event instanceof ChangeEvent.Read read) {
            return List.of(new Change<>(Operation.READ, null, read.row(), key(read.row()),
                    source(read.relation(), commitLsn, xid, commitTime)));
        }
        if (event instanceof ChangeEvent.Insert insert) {
            return List.of(new Change<>(Operation.INSERT, null, insert.newRow(), key(insert.newRow()),
                    source(insert.relation(), commitLsn, insert.xid() != 0 ? insert.xid() : xid, commitTime)));
        }
        if (event instanceof ChangeEvent.Update update) {
            Row identity = update.oldKey() != null ? update.oldKey() : update.oldRow() != null ? update.oldRow() : update.newRow();
            return List.of(new Change<>(Operation.UPDATE, update.oldRow(), update.newRow(), key(identity),
                    source(update.relation(), commitLsn, update.xid() != 0 ? update.xid() : xid, commitTime)));
        }
        if (event instanceof ChangeEvent.Delete delete) {
            Row identity = delete.oldKey() != null ? delete.oldKey() : delete.oldRow();
            return List.of(new Change<>(Operation.DELETE, delete.oldRow(), null, key(identity),
                    source(delete.relation(), commitLsn, delete.xid() != 0 ? delete.xid() : xid, commitTime)));
        }
        if (event instanceof ChangeEvent.Truncate truncate) {
            List<Change<Row>> changes = new ArrayList<>(truncate.relations().size());
            for (Relation relation : truncate.relations()) {
                changes.add(new Change<>(Operation.TRUNCATE, null, null, Map.of(),
                        source(relation, commitLsn, truncate.xid() != 0 ? truncate.xid() : xid, commitTime)));
            }
            return changes;
        }
        return List.of();
    }

    private static Change.Source source(Relation relation, Lsn commitLsn, long xid, Instant commitTime) {
        return new Change.Source(commitLsn, xid, commitTime, relation.namespace(), relation.name());
    }

    /** The replica identity's columns of {@code row}; their text where a value does not convert, which must not stop delivery. */
    private static Map<String, Object> key(Row row) {
        if (row == null) {
            return Map.of();
        }
        Map<String, Object> key = new LinkedHashMap<>();
        List<Relation.Column> columns = row.relation().columns();
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).key() && !row.isUnchangedToast(i)) {
                Object value;
                try {
                    value = row.getObject(i);
                } catch (RuntimeException e) {
                    value = row.getString(i);
                }
                key.put(columns.get(i).name(), value);
            }
        }
        return key;
    }
}
