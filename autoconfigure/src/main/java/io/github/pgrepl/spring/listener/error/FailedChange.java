package io.github.pgrepl.spring.listener.error;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ChangeTransaction;

import java.time.Instant;
import java.util.Objects;

/**
 * A listener that threw on a change, after a number of attempts.
 *
 * @param connection the connection's name
 * @param listener the listener's id
 * @param event the event the listener failed on: the {@code Commit} for a transaction listener
 * @param change the change, for an event that changes rows (the truncated table's for a {@code Truncate}); else
 *     {@code null}
 * @param transaction the transaction, for a transaction listener; else {@code null}
 * @param error what the listener threw (the cause, for a method that threw through reflection)
 * @param attempts how many times the listener has failed on it, from 1
 * @param firstFailedAt when the listener first failed on it
 * @param mayBeGivenUp whether the handler may give up on it (skip it, or recover it and go on): {@code false} for a
 *     listener that forwards the stream, such as pgrepl-kafka's relay, whose change given up on would be confirmed
 *     without having been forwarded. A handler should then retry it (or stop); the connection retries it anyway,
 *     at the longest wait the handler asked for, should the handler decide otherwise.
 */
public record FailedChange(String connection, String listener, ChangeEvent event, Change<Row> change,
                           ChangeTransaction transaction, Throwable error, int attempts, Instant firstFailedAt,
                           boolean mayBeGivenUp) {

    public FailedChange {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(firstFailedAt, "firstFailedAt");
    }

    /** A failed change of a listener whose changes may be given up on, as a method's may. */
    public FailedChange(String connection, String listener, ChangeEvent event, Change<Row> change,
                        ChangeTransaction transaction, Throwable error, int attempts, Instant firstFailedAt) {
        this(connection, listener, event, change, transaction, error, attempts, firstFailedAt, true);
    }

    /**
     * What failed and where, without row values beyond the key: {@code INSERT public.orders key {id=7} (xid 812,
     * commit 0/1A2B3C8)}.
     */
    public String describe() {
        if (change != null) {
            return change.toString();
        }
        if (transaction != null) {
            return "transaction " + transaction.xid() + " (commit " + transaction.commitLsn() + ", "
                    + transaction.changes().size() + " changes)";
        }
        return event.getClass().getSimpleName() + " event";
    }
}
