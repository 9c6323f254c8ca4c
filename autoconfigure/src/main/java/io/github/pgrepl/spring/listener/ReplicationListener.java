package io.github.pgrepl.spring.listener;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Subscribes a method (or, as before, a whole bean) to the changes of replication connection {@link #connection()}
 * ({@code pgrepl.connections.<connection>.*}).
 *
 * <p><b>On a method</b> of a bean, with one parameter, which says what the method receives:
 * <ul>
 * <li>{@link Change Change&lt;T&gt;}: each change of a row, with {@code T} mapped from the row;</li>
 * <li>{@code T} alone: the new row of each {@code INSERT} and {@code UPDATE};</li>
 * <li>{@link ChangeTransaction}: each committed transaction, whole;</li>
 * <li>{@link io.github.pgrepl.pgoutput.ChangeEvent ChangeEvent} (or one of its records): the decoded events, as a
 * {@code ChangeListener} gets them.</li>
 * </ul>
 * {@code T} is a record, a class with a constructor or setters, {@code Map<String, Object>} or
 * {@link io.github.pgrepl.pgoutput.Row Row}, bound by column name ({@code created_at} to {@code createdAt}). Many
 * methods may subscribe to one connection: each event goes to every method whose {@link #tables()} and
 * {@link #operations()} match, in commit order, on the connection's listener thread, and a transaction is confirmed
 * to the server only once every matching method returned for all its events (or the error handler recovered them).
 *
 * <pre>{@code
 * @Component
 * class OrderProjection {
 *     @ReplicationListener(connection = "orders", tables = "public.orders")
 *     void on(Change<Order> change) { ... }
 *
 *     @ReplicationListener(connection = "orders", tables = "orders", operations = Operation.INSERT)
 *     void placed(Order order) { ... }
 * }
 * }</pre>
 *
 * <p><b>On a type</b>, the bean is the connection's only consumer: a {@link io.github.pgrepl.ReplicationHandler} is
 * the connection's callback module as is; a {@link io.github.pgrepl.pgoutput.ChangeListener} gets a
 * {@link io.github.pgrepl.pgoutput.PgOutputHandler} built from the connection's properties.
 *
 * <p>Attributes accept {@code ${...}} placeholders.
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ReplicationListener {

    /** Alias for {@link #connection()}. */
    @AliasFor("connection")
    String value() default "";

    /** The name of the connection, as under {@code pgrepl.connections}. Required. */
    @AliasFor("value")
    String connection() default "";

    /** Tables whose changes the method receives, {@code schema.table} or {@code table} (any schema); all by default. */
    String[] tables() default {};

    /** Operations the method receives; all by default. */
    Operation[] operations() default {};

    /**
     * The listener's id, unique in the application: in logs, health, metrics and dead letters. By default
     * {@code <bean name>.<method name>}, or the bean's name for a bean.
     */
    String id() default "";
}
