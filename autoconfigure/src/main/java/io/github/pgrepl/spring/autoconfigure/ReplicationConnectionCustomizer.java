package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.ConnectionConfig;

/**
 * Reaches the options of a connection that {@code pgrepl.connections.<name>.*} does not expose: a bean of this type is
 * called for every connection, in order, after the properties were applied, e.g.
 *
 * <pre>{@code
 * @Bean
 * ReplicationConnectionCustomizer largeRows() {
 *     return (name, connection) -> connection.maxMessageSize(256 * 1024 * 1024).queryTimeout(Duration.ofMinutes(1));
 * }
 * }</pre>
 *
 * The connection's {@code name}, {@code syncConnect} and {@code autoReconnect} are the registry's (it starts
 * connections with the application and reconnects them): they are set again after the customizers.
 */
@FunctionalInterface
public interface ReplicationConnectionCustomizer {

    /**
     * @param name the connection's name, as under {@code pgrepl.connections}
     * @param connection its settings, the properties already applied
     */
    void customize(String name, ConnectionConfig.Builder connection);
}
