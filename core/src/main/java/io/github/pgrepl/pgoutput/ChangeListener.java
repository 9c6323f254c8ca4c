package io.github.pgrepl.pgoutput;

/**
 * Receives the decoded changes of a {@link PgOutputHandler}, one at a time, in commit order, on the
 * handler's listener thread (never the connection's). It may block: while it is slow, the handler's
 * queue fills and the connection pauses reading, with status updates still flowing.
 *
 * <p>A transaction is confirmed to the server (its WAL released) only after {@code onChange} returned
 * for its {@link ChangeEvent.Commit}. Delivery is at-least-once across restarts; if the connection
 * drops inside a transaction, the events already seen are followed by a new {@link ChangeEvent.Begin}
 * of the same transaction, so keep per-transaction state from {@code Begin} to {@code Commit}.
 */
@FunctionalInterface
public interface ChangeListener {

    /** Handles one event; throwing means "not processed": it is retried as the handler's policy says. */
    void onChange(ChangeEvent event) throws Exception;
}
