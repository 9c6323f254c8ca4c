package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.pgoutput.PgOutputHandler;

/**
 * Reaches the options of a connection's {@link PgOutputHandler} that {@code pgrepl.connections.<name>.*} does not
 * expose: a bean of this type is called for the handler of every connection whose listener takes decoded changes, in
 * order, after the properties were applied, e.g.
 *
 * <pre>{@code
 * @Bean
 * PgOutputHandlerCustomizer protocol3() {
 *     return (name, handler) -> handler.protocolVersion(3);
 * }
 * }</pre>
 *
 * The listener, its retries and {@code streaming} are the listener machinery's: they are set again after the
 * customizers (use the {@code listener.*} and {@code streaming} properties).
 */
@FunctionalInterface
public interface PgOutputHandlerCustomizer {

    /**
     * @param name the connection's name, as under {@code pgrepl.connections}
     * @param handler the handler's builder, the properties already applied
     */
    void customize(String name, PgOutputHandler.Builder handler);
}
