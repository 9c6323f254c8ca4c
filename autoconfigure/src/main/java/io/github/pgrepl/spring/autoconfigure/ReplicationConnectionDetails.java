package io.github.pgrepl.spring.autoconfigure;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where replication connections connect, when something other than properties says so.
 *
 * <ul>
 * <li>A bean qualified with a connection's name ({@code @Qualifier("orders")}, or the bean's name) is that connection's
 * alone and wins over its {@code url}, {@code username} and {@code password}, as Spring Boot's own connection details
 * win over properties.</li>
 * <li>A bean qualified for no configured connection (a {@code @ServiceConnection} container, a Docker Compose
 * service) is where every connection without a {@code url} connects, ahead of Spring Boot's
 * {@code JdbcConnectionDetails} ({@code spring.datasource.*}).</li>
 * </ul>
 */
public interface ReplicationConnectionDetails extends ConnectionDetails {

    /** A {@code postgresql://} or {@code jdbc:postgresql://} URL. */
    String getUrl();

    String getUsername();

    String getPassword();
}
