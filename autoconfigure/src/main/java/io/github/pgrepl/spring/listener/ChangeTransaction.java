package io.github.pgrepl.spring.listener;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.Row;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A whole committed transaction: the changes of the tables a transaction listener subscribed to, in the order they
 * were made. Delivered once the transaction's commit arrived; held in memory until then, so a transaction larger
 * than {@code listener.transaction-max-bytes} is refused (see {@link TransactionTooLargeException}).
 */
public final class ChangeTransaction {

    private final long xid;
    private final Lsn commitLsn;
    private final Instant commitTime;
    private final List<Change<Row>> changes;
    private final ChangeMapper mapper;

    /**
     * @param mapper maps rows for {@link #changes(Class)}
     */
    public ChangeTransaction(long xid, Lsn commitLsn, Instant commitTime, List<Change<Row>> changes, ChangeMapper mapper) {
        this.xid = xid;
        this.commitLsn = Objects.requireNonNull(commitLsn, "commitLsn");
        this.commitTime = commitTime;
        this.changes = List.copyOf(changes);
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    public long xid() {
        return xid;
    }

    /** The position of the commit: confirmed to the server once every listener returned for the transaction. */
    public Lsn commitLsn() {
        return commitLsn;
    }

    public Instant commitTime() {
        return commitTime;
    }

    /** The changes, rows as {@link Row}s (which tell unchanged TOAST values apart). */
    public List<Change<Row>> changes() {
        return changes;
    }

    /**
     * The changes with their rows mapped to {@code type}.
     *
     * @throws ChangeBindingException when a row cannot be mapped
     */
    public <T> List<Change<T>> changes(Class<T> type) {
        List<Change<T>> mapped = new ArrayList<>(changes.size());
        for (Change<Row> change : changes) {
            mapped.add(mapper.map(change, type));
        }
        return mapped;
    }

    /**
     * The changes of {@code table} ({@code schema.table} or {@code table}) with their rows mapped to {@code type}.
     *
     * @throws ChangeBindingException when a row cannot be mapped
     */
    public <T> List<Change<T>> changes(String table, Class<T> type) {
        List<Change<T>> mapped = new ArrayList<>();
        for (Change<Row> change : changes) {
            if (change.source().isTable(table)) {
                mapped.add(mapper.map(change, type));
            }
        }
        return mapped;
    }

    @Override
    public String toString() {
        return "ChangeTransaction[xid " + xid + ", commit " + commitLsn + ", " + changes.size() + " changes]";
    }
}
