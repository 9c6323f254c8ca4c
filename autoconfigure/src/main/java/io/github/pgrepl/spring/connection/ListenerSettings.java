package io.github.pgrepl.spring.connection;

import java.time.Duration;
import java.util.List;

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
 * @param notRetryableExceptions errors that go to the recoverer on their first failure, without retries
 */
public record ListenerSettings(Recoverer recoverer, Duration maxBackoff, String deadLetterTable,
                               long transactionMaxBytes, List<Class<? extends Throwable>> notRetryableExceptions) {

    public ListenerSettings {
        notRetryableExceptions = List.copyOf(notRetryableExceptions);
    }

    /** Settings that retry every error before the recoverer. */
    public ListenerSettings(Recoverer recoverer, Duration maxBackoff, String deadLetterTable, long transactionMaxBytes) {
        this(recoverer, maxBackoff, deadLetterTable, transactionMaxBytes, List.of());
    }

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
