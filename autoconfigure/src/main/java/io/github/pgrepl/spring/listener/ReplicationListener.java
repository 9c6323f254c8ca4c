package io.github.pgrepl.spring.listener;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a bean the consumer of replication connection {@code value} ({@code pgrepl.connections.<value>.*}).
 *
 * <p>A bean implementing {@link io.github.pgrepl.ReplicationHandler} is the connection's callback module as is. A
 * bean implementing {@link io.github.pgrepl.pgoutput.ChangeListener} gets a
 * {@link io.github.pgrepl.pgoutput.PgOutputHandler} built from the connection's properties, and receives its
 * decoded changes. Each connection has exactly one listener.
 *
 * <pre>{@code
 * @Component
 * @ReplicationListener("orders")
 * class OrderChanges implements ChangeListener {
 *     public void onChange(ChangeEvent event) { ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ReplicationListener {

    /** The name of the connection, as under {@code pgrepl.connections}. */
    String value();
}
