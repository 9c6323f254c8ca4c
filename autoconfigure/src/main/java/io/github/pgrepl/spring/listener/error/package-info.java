/**
 * What happens when a listener method throws: {@link io.github.pgrepl.spring.listener.error.ReplicationErrorHandler}
 * and its decisions, {@link io.github.pgrepl.spring.listener.error.DefaultReplicationErrorHandler} (a Spring
 * {@code BackOff}, then a recoverer) and the recoverers (stop, skip, dead letter).
 *
 * <p>Imports the listener API, pgrepl-core's {@code internal.util} (durations in messages), Spring, and (for the dead-letter recoverer only, optional on the classpath) spring-jdbc
 * and Jackson.
 */
package io.github.pgrepl.spring.listener.error;
