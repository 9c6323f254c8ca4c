package io.github.pgrepl;

import java.util.List;

/** What a query ended with, handed to {@link ReplicationHandler#handleResult}. */
public sealed interface QueryOutcome {

    /** The query ran: one result per statement. */
    record Success(List<QueryResult> results) implements QueryOutcome {
        public Success {
            results = List.copyOf(results);
        }

        /** The first (usually only) statement's result. */
        public QueryResult result() {
            if (results.isEmpty()) {
                throw new IllegalStateException("The query returned no result (it was empty)");
            }
            return results.get(0);
        }
    }

    /** The server answered with an error; the connection is still usable unless the error was FATAL. */
    record Failure(PgException error) implements QueryOutcome {
    }
}
