/**
 * Auto-configuration of {@code @ReplicationListener}: the post-processor, the endpoint registry, and each connection's
 * error handler (a bean, or one built from {@code pgrepl.connections.<name>.listener.*}, with the dead-letter
 * recoverer over the application's {@code DataSource}).
 *
 * <p>Imports the {@code listener} runtime packages, {@code connection}, Spring Boot and, only where dead letters are
 * asked for, spring-jdbc and Jackson.
 */
package io.github.pgrepl.spring.autoconfigure.listener;
