package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.Row;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the stream did to one table while a chunk of it was read (the DBLog method): between the chunk's low and high
 * watermarks it records every key the stream changed, and at the high watermark it keeps the chunk's rows the stream
 * did not touch ({@link #close}); the others are the stream's to tell. On the handler's thread, fed every event of
 * the stream while the table is being snapshotted.
 *
 * <p>PostgreSQL adds one wrinkle the paper's databases lack: a transaction can be in the stream before other
 * sessions see it committed (its commit record is written before it leaves the proc array, and with synchronous
 * replication it waits in between), so a chunk's SELECT may miss a change the stream delivered just before the low
 * watermark. The window therefore also keeps the ids of the transactions that changed the table and were delivered
 * before it opened, and checks them against the chunk's {@code pg_current_snapshot()}: when one of them is not
 * visible to it, the chunk is read again. Transactions delivered before they commit (streamed in progress, or
 * prepared for two-phase commit) that touch the table make a chunk read while they are open unreliable the same way:
 * it is read again once they ended.
 */
final class ChunkWindow {

    /** What {@link #close} decided. */
    record Decision(boolean retry, String why, List<Row> rows) {
    }

    private final SnapshotTable table;
    private final List<String> keyColumns;
    private final Map<ChangeEvent.Relation, int[]> keyIndexes = new IdentityHashMap<>();

    private boolean open;
    private final Set<List<Object>> changed = new HashSet<>();
    private boolean truncated;
    private String unreliable;
    /** Committed transactions that changed the table and are not yet known visible to the chunks' snapshots. */
    private final Set<Long> undecided = new HashSet<>();
    /** {@link #undecided} when the window opened. */
    private Set<Long> beforeWindow = Set.of();
    /** Transactions delivered before their commit (streamed, prepared) that changed the table and have not ended. */
    private final Set<Long> openEarly = new HashSet<>();

    private long transaction;
    private boolean touched;
    private long streamed;

    /**
     * @param transaction the transaction the stream is in (0 between transactions): it may have changed the table
     *     already, so it counts as having done so
     * @param streamed the streamed transaction whose segment the stream is in, or 0
     * @param openEarly the transactions delivered before their commit that are open: they may have changed the
     *     table already, so they count as having done so
     */
    ChunkWindow(SnapshotTable table, long transaction, long streamed, Set<Long> openEarly) {
        this.table = table;
        this.keyColumns = table.key();
        this.transaction = transaction;
        this.touched = transaction != 0;
        this.streamed = streamed;
        this.openEarly.addAll(openEarly);
    }

    /** Whether the window is open (its low watermark arrived). */
    boolean isOpen() {
        return open;
    }

    /** Whether transactions delivered early that touch the table are open: a chunk must wait for them. */
    boolean waitsForOpenTransactions() {
        return !openEarly.isEmpty();
    }

    /** The low watermark arrived. */
    void open() {
        open = true;
        changed.clear();
        truncated = false;
        unreliable = openEarly.isEmpty() ? null : "transaction(s) " + openEarly + " delivered before their commit changed the table";
        beforeWindow = Set.copyOf(undecided);
    }

    /**
     * The high watermark arrived: the chunk's rows the stream did not change inside the window, or a retry when the
     * chunk may have missed a change the stream delivered. Closes the window.
     */
    Decision close(List<Row> rows, PgSnapshot snapshot) {
        open = false;
        String why = unreliable;
        if (why == null && truncated) {
            why = "the table was truncated meanwhile";
        }
        if (why == null) {
            for (Long xid : beforeWindow) {
                if (!snapshot.sees(xid)) {
                    why = "transaction " + xid + " was in the stream before the chunk's SELECT but not visible to it";
                    break;
                }
            }
        }
        undecided.removeIf(snapshot::sees);
        beforeWindow = Set.of();
        if (why != null) {
            changed.clear();
            return new Decision(true, why, List.of());
        }
        List<Row> survivors = new ArrayList<>(rows.size());
        for (Row row : rows) {
            List<Object> key = key(row);
            if (key == null || !changed.contains(key)) {
                survivors.add(row);
            }
        }
        changed.clear();
        return new Decision(false, null, survivors);
    }

    /** Every event of the stream, in order. */
    void observe(ChangeEvent event) {
        if (event instanceof ChangeEvent.Begin begin) {
            transaction = begin.xid();
            touched = false;
        } else if (event instanceof ChangeEvent.Commit) {
            if (touched) {
                undecided.add(transaction);
            }
            touched = false;
        } else if (event instanceof ChangeEvent.Insert insert) {
            if (ours(insert.relation())) {
                touch();
                change(insert.newRow());
            }
        } else if (event instanceof ChangeEvent.Update update) {
            if (ours(update.relation())) {
                touch();
                change(update.oldKey() != null ? update.oldKey() : update.oldRow());
                change(update.newRow());
            }
        } else if (event instanceof ChangeEvent.Delete delete) {
            if (ours(delete.relation())) {
                touch();
                change(delete.oldKey() != null ? delete.oldKey() : delete.oldRow());
            }
        } else if (event instanceof ChangeEvent.Truncate truncate) {
            for (ChangeEvent.Relation relation : truncate.relations()) {
                if (ours(relation)) {
                    touch();
                    truncated |= open;
                }
            }
        } else if (event instanceof ChangeEvent.StreamStart start) {
            streamed = start.xid();
        } else if (event instanceof ChangeEvent.StreamStop) {
            streamed = 0;
        } else if (event instanceof ChangeEvent.StreamCommit commit) {
            ended(commit.xid(), true);
        } else if (event instanceof ChangeEvent.StreamAbort abort) {
            if (abort.xid() == abort.subXid()) {
                ended(abort.xid(), false);
            }
        } else if (event instanceof ChangeEvent.BeginPrepare begin) {
            transaction = begin.xid();
            touched = false;
        } else if (event instanceof ChangeEvent.Prepare prepare) {
            if (touched) {
                openEarly.add(prepare.xid());
                markUnreliable(prepare.xid());
            }
            touched = false;
        } else if (event instanceof ChangeEvent.StreamPrepare prepare) {
            // Its changes came streamed; it stays open until COMMIT PREPARED or ROLLBACK PREPARED.
            if (openEarly.contains(prepare.xid())) {
                markUnreliable(prepare.xid());
            }
        } else if (event instanceof ChangeEvent.CommitPrepared commit) {
            ended(commit.xid(), true);
        } else if (event instanceof ChangeEvent.RollbackPrepared rollback) {
            ended(rollback.xid(), false);
        }
    }

    private void touch() {
        if (streamed != 0) {
            openEarly.add(streamed);
            markUnreliable(streamed);
        } else {
            touched = true;
        }
    }

    private void markUnreliable(long xid) {
        if (open && unreliable == null) {
            unreliable = "transaction " + xid + " delivered before its commit changed the table";
        }
    }

    private void ended(long xid, boolean committed) {
        if (openEarly.remove(xid) && committed) {
            undecided.add(xid);
        }
    }

    private boolean ours(ChangeEvent.Relation relation) {
        return relation.oid() == table.oid();
    }

    /** Records a key the stream changed, while the window is open. */
    private void change(Row row) {
        if (!open || row == null) {
            return;
        }
        List<Object> key = key(row);
        if (key == null) {
            unreliable = "a change of " + table.qualifiedName() + " without its key columns " + keyColumns;
        } else {
            changed.add(key);
        }
    }

    /**
     * The key's values of {@code row}, comparable between the stream's rows and the chunk's (Java values, as
     * {@link Row#getObject} gives them: a timestamptz is an instant at UTC whatever the session's time zone); {@code null}
     * when the row lacks a key column or holds an unchanged TOAST value in one.
     */
    List<Object> key(Row row) {
        int[] indexes = keyIndexes.computeIfAbsent(row.relation(), this::indexesOf);
        if (indexes == null) {
            return null;
        }
        List<Object> key = new ArrayList<>(indexes.length);
        for (int index : indexes) {
            if (row.isUnchangedToast(index) || row.isNull(index)) {
                return null; // a key column is never NULL: this row (an old key of another identity) does not say
            }
            Object value;
            try {
                value = row.getObject(index);
            } catch (RuntimeException e) {
                return null;
            }
            key.add(value instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : value);
        }
        return key;
    }

    private int[] indexesOf(ChangeEvent.Relation relation) {
        int[] indexes = new int[keyColumns.size()];
        for (int i = 0; i < indexes.length; i++) {
            indexes[i] = -1;
            List<ChangeEvent.Relation.Column> columns = relation.columns();
            for (int c = 0; c < columns.size(); c++) {
                if (columns.get(c).name().equals(keyColumns.get(i))) {
                    indexes[i] = c;
                    break;
                }
            }
            if (indexes[i] < 0) {
                return null;
            }
        }
        return indexes;
    }
}
