package io.github.pgrepl.spring.connection;

/**
 * Told when a connection stops streaming for good (its listeners' error handler stopped it, or a fatal error closed
 * it) and when it streams again (restarted). Called on the thread that stopped or restarted it; must not block.
 */
public interface ConnectionStateListener {

    /**
     * @param reason why, without a secret
     */
    void stopped(ManagedReplicationConnection connection, String reason);

    /** The connection streams again after {@link #stopped}. */
    void resumed(ManagedReplicationConnection connection);
}
