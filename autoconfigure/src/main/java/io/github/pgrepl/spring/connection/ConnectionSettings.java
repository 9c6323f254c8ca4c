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
 */
public record ConnectionSettings(String name, ConnectionConfig config, PgOutputSettings pgOutput, ListenerSettings listener,
                                 boolean autoStartup) {
}
