package io.github.pgrepl.spring.observation;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ChangeTransaction;
import io.micrometer.observation.Observation;

import java.util.Locale;

/** What a {@link ReplicationObservation#LISTENER} observation knows of the call it observes. */
public class ListenerObservationContext extends Observation.Context {

    /** Of a change without table (a raw event that is no change) or without position. */
    public static final String NONE = "none";

    private final String connection;
    private final String listener;
    private final String table;
    private final String operation;
    private final long xid;
    private final Lsn lsn;

    /**
     * @param table {@code schema.table}, or {@code null}
     * @param operation what happened, lowercase, e.g. {@code insert}
     * @param lsn the commit's position, or {@code null}
     */
    public ListenerObservationContext(String connection, String listener, String table, String operation, long xid, Lsn lsn) {
        this.connection = connection;
        this.listener = listener;
        this.table = table;
        this.operation = operation;
        this.xid = xid;
        this.lsn = lsn;
    }

    /** A call with a change of a row. */
    public static ListenerObservationContext of(String connection, String listener, Change<?> change) {
        return new ListenerObservationContext(connection, listener, change.source().qualifiedTable(),
                change.operation().name().toLowerCase(Locale.ROOT), change.source().xid(), change.source().lsn());
    }

    /** A call with a whole transaction. */
    public static ListenerObservationContext of(String connection, String listener, ChangeTransaction transaction) {
        return new ListenerObservationContext(connection, listener, null, "transaction", transaction.xid(),
                transaction.commitLsn());
    }

    /**
     * A call with a raw event: its kind as operation ({@code insert}, {@code begin}, {@code stream_start}...), its table
     * and transaction where it has them.
     *
     * @param commitLsn the position of the transaction's commit, if known
     */
    public static ListenerObservationContext of(String connection, String listener, ChangeEvent event, long xid,
                                                Lsn commitLsn) {
        String table = null;
        if (event instanceof ChangeEvent.Insert insert) {
            table = insert.relation().namespace() + "." + insert.relation().name();
        } else if (event instanceof ChangeEvent.Update update) {
            table = update.relation().namespace() + "." + update.relation().name();
        } else if (event instanceof ChangeEvent.Delete delete) {
            table = delete.relation().namespace() + "." + delete.relation().name();
        } else if (event instanceof ChangeEvent.Relation relation) {
            table = relation.namespace() + "." + relation.name();
        } else if (event instanceof ChangeEvent.Read read) {
            table = read.relation().namespace() + "." + read.relation().name();
        } else if (event instanceof ChangeEvent.SnapshotStarted started) {
            table = started.table().namespace() + "." + started.table().name();
        } else if (event instanceof ChangeEvent.SnapshotCompleted completed) {
            table = completed.table().namespace() + "." + completed.table().name();
        }
        return new ListenerObservationContext(connection, listener, table, kind(event), xid, commitLsn);
    }

    /** {@code ChangeEvent.StreamStart} as {@code stream_start}. */
    static String kind(ChangeEvent event) {
        return event.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    public String getConnection() {
        return connection;
    }

    public String getListener() {
        return listener;
    }

    /** {@code schema.table}, or {@code null}. */
    public String getTable() {
        return table;
    }

    public String getOperation() {
        return operation;
    }

    /** The transaction's id, or 0. */
    public long getXid() {
        return xid;
    }

    /** The commit's position, or {@code null}. */
    public Lsn getLsn() {
        return lsn;
    }
}
