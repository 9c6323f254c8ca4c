package io.github.pgrepl.spring.autoconfigure;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where replication connections connect, when something other than properties says so (a
 * {@code @ServiceConnection} container). As for Spring Boot's own connection details, a bean of this type wins over
 * {@code pgrepl.connections.<name>.url}, {@code username} and {@code password} for every connection.
 */
public interface ReplicationConnectionDetails extends ConnectionDetails {

    /** A {@code postgresql://} or {@code jdbc:postgresql://} URL. */
    String getUrl();

    String getUsername();

    String getPassword();
}
