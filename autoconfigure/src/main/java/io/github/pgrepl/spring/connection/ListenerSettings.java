package io.github.pgrepl.spring.connection;

import java.time.Duration;

/**
 * How a connection runs its {@code @ReplicationListener} methods, from {@code pgrepl.connections.<name>.listener.*}:
 * what its error handler does with a failing change, and how much of a transaction a transaction listener may hold.
 *
 * <p>The tries before the recoverer and the first wait are the bean-level listener's, in {@link PgOutputSettings}.
 *
 * @param recoverer what happens once the retries ({@code listener.max-attempts}) are used up
 * @param maxBackoff the longest wait between tries: where {@link Recoverer#RETRY} keeps retrying
 * @param deadLetterTable the table of {@link Recoverer#DEAD_LETTER}
 * @param transactionMaxBytes the most a transaction listener's transaction may hold, in bytes of rows
 */
public record ListenerSettings(Recoverer recoverer, Duration maxBackoff,
                               String deadLetterTable, long transactionMaxBytes) {

    /** What becomes of a change a listener keeps failing on. */
    public enum Recoverer {

        /** Keep retrying at the longest wait, DOWN meanwhile: nothing is lost and the connection never halts for good. */
        RETRY,

        /** Stop the connection until it is restarted (endpoint or registry); the change is tried again then. */
        STOP,

        /** Log it with its position, count it, and go on without it. */
        SKIP,

        /** Write it, with its error, to the dead-letter table, and go on. */
        DEAD_LETTER
    }
}
