package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Lsn;

/**
 * Receives the decoded changes of a {@link PgOutputHandler}, one at a time, in commit order, on the
 * handler's listener thread (never the connection's). It may block: while it is slow, the handler's
 * queue fills and the connection pauses reading, with status updates still flowing.
 *
 * <p>A transaction is confirmed to the server (its WAL released) only after {@code onChange} returned
 * for its {@link ChangeEvent.Commit}. Delivery is at-least-once across restarts; within a run every
 * event comes once: if the connection drops inside a transaction, the server sends it again and the
 * listener gets the rest of it, as if nothing had happened. Only a streamed transaction cut before its
 * end comes again from its first segment ({@link ChangeEvent.StreamStart#firstSegment()}): discard what
 * was held of it, as PostgreSQL's own apply worker does.
 */
@FunctionalInterface
public interface ChangeListener {

    /** Handles one event; throwing means "not processed": it is retried as the handler's policy says. */
    void onChange(ChangeEvent event) throws Exception;

    /**
     * For a listener whose work on a transaction ends after it returned from the transaction's {@code Commit}, such as
     * a relay that hands records to a broker and is done only once the broker acknowledged them: the
     * {@link ChangeEvent.Commit#endLsn() end} of the last transaction it finished, every earlier one finished too, while
     * some transaction it returned from is not finished; {@code null} while none is (the default: a listener finishes a
     * transaction by returning from its {@code Commit}).
     *
     * <p>While it is not {@code null}, the handler confirms nothing past it, and idle keepalives do not move the slot
     * on. Called on the connection's thread whenever a status update goes out or a keepalive arrives: it must be cheap
     * and thread-safe.
     */
    default Lsn confirmLimit() {
        return null;
    }
}
