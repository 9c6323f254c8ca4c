package io.github.pgrepl;

/**
 * A failure that retrying alone cannot end: a password, a grant, a setting or a missing object must change first
 * (as JDBC's {@code SQLNonTransientException}). Its message names the cause and the fix.
 *
 * <p>A connection with auto-reconnect keeps retrying after one, at its longest backoff, so that it recovers by itself
 * once the cause is fixed (a rotated password, a created publication); meanwhile its status says so
 * ({@link ConnectionStatus#lastErrorNonTransient()}), so that health can report it at once instead of after a grace
 * period. A handler ends a session with one through {@link Action#disconnect(ReplicationException)}; server errors
 * are classified by their SQLSTATE ({@link PgException#isNonTransient()}). {@link #isNonTransient(Throwable)} tells
 * both apart from the rest.
 *
 * <p>A subclass may be stricter: {@code pgoutput.ReplicationSlotException} (a slot invalidated, or lost in a
 * failover) stops its connection instead, because a slot created anew would hide the changes lost in between.
 */
public class NonTransientReplicationException extends ReplicationException {

    private static final long serialVersionUID = 1L;
    /** Causes looked through: enough for any wrapping pgrepl does, and an end to a cycle. */
    private static final int MAX_CAUSES = 16;

    public NonTransientReplicationException(String message) {
        super(message);
    }

    public NonTransientReplicationException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether retrying alone cannot end {@code failure}: it, or the first of its causes that is a pgrepl failure of
     * either kind, is a {@code NonTransientReplicationException} or a {@link PgException} whose SQLSTATE says so.
     * {@code null} and every other failure (a lost socket, a timeout, a server restarting) are transient.
     */
    public static boolean isNonTransient(Throwable failure) {
        Throwable each = failure;
        for (int depth = 0; each != null && depth < MAX_CAUSES; depth++) {
            if (each instanceof NonTransientReplicationException) {
                return true;
            }
            if (each instanceof PgException server) {
                return server.isNonTransient();
            }
            each = each.getCause() == each ? null : each.getCause();
        }
        return false;
    }
}
