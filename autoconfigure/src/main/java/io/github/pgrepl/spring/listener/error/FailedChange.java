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
 */
public record FailedChange(String connection, String listener, ChangeEvent event, Change<Row> change,
                           ChangeTransaction transaction, Throwable error, int attempts, Instant firstFailedAt) {

    public FailedChange {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(firstFailedAt, "firstFailedAt");
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
