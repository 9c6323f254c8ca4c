package io.github.pgrepl.spring.connection;

import io.github.pgrepl.ConnectionConfig;

/**
 * One configured connection, checked and resolved (URL, credentials, fallbacks).
 *
 * @param name the name under {@code pgrepl.connections}
 * @param config where and how to connect; never printed with its password
 * @param pgOutput the settings of the handler a {@code ChangeListener} gets
 * @param listener how {@code @ReplicationListener} methods are run
 * @param autoStartup whether the connection starts with the application context
 * @param availability what the connection's stopping for good does to the application's availability
 */
public record ConnectionSettings(String name, ConnectionConfig config, PgOutputSettings pgOutput, ListenerSettings listener,
                                 boolean autoStartup, ConnectionAvailability availability) {

    /** Settings whose stopping for good leaves the application's availability alone. */
    public ConnectionSettings(String name, ConnectionConfig config, PgOutputSettings pgOutput, ListenerSettings listener,
                              boolean autoStartup) {
        this(name, config, pgOutput, listener, autoStartup, ConnectionAvailability.NONE);
    }
}
