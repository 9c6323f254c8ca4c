package io.github.pgrepl.internal.session;

import io.github.pgrepl.PgException;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.internal.protocol.QueryResultCollector;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * A query or stream of a session, from its Query message to its ReadyForQuery: the results it collects, the
 * timer of its timeout, and the first error the server sent for it.
 */
final class RunningQuery {

    final String sql;
    /** CopyData messages per turn of the loop, should it become a stream. */
    final int maxMessages;
    final QueryResultCollector results = new QueryResultCollector();
    ScheduledFuture<?> timeout;
    PgException error;

    RunningQuery(String sql, int maxMessages) {
        this.sql = sql;
        this.maxMessages = maxMessages;
    }

    /** How a query or stream is named in messages: its kind and its SQL, on one line, abbreviated. */
    static String describe(boolean stream, String sql) {
        return (stream ? "stream" : "query") + " '" + abbreviate(sql) + "'";
    }

    static String abbreviate(String sql) {
        String oneLine = sql.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
    }

    void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    /** Keeps the first error: the server may follow it with others about the same failure. */
    void failed(PgException failure) {
        if (error == null) {
            error = failure;
        }
    }

    /** The query's outcome: its first error, else its results. */
    QueryOutcome outcome() {
        return error != null ? new QueryOutcome.Failure(error) : new QueryOutcome.Success(results.results());
    }
}
