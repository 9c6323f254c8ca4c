package io.github.pgrepl.spring.connection;

import java.util.Optional;

/**
 * The side of a connection that runs its {@code @ReplicationListener} methods, as health, metrics and the endpoint
 * see and steer it. Thread-safe.
 */
public interface ListenerControl {

    /** The failure in progress, if a listener is failing (being retried) or has stopped the connection. */
    Optional<ListenerFailureStatus> failure();

    /**
     * Tries the failing change again now: wakes a listener waiting for its next try, and restarts a connection its
     * error handler stopped. Does nothing while no listener fails.
     */
    void restart();

    /** The connection is closing: a listener waiting to retry (or stopped) gives up the change, unconfirmed. */
    void close();

    /** Failed calls of listener methods, retries included. */
    long failedAttempts();

    /** Changes the error handler skipped. */
    long skipped();

    /** Changes a recoverer took (e.g. wrote to the dead-letter table). */
    long recovered();
}
