package io.github.pgrepl.spring.testcontainers;

import io.github.pgrepl.spring.autoconfigure.ReplicationConnectionDetails;

import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Lets {@code @ServiceConnection} on a {@link PostgreSQLContainer} point every replication connection without a URL of
 * its own at the container. The container must run with {@code wal_level=logical}, e.g.
 * {@code .withCommand("postgres", "-c", "wal_level=logical")}; its user is a superuser, so it may replicate.
 */
class PostgresReplicationContainerConnectionDetailsFactory
        extends ContainerConnectionDetailsFactory<PostgreSQLContainer, ReplicationConnectionDetails> {

    @Override
    protected ReplicationConnectionDetails getContainerConnectionDetails(ContainerConnectionSource<PostgreSQLContainer> source) {
        return new PostgresReplicationContainerConnectionDetails(source);
    }

    /**
     * A {@code postgresql://} URL of the container's mapped port. Not the container's JDBC URL: that one carries
     * pgjdbc-only parameters ({@code loggerLevel}) that a replication connection refuses.
     */
    static String replicationUrl(PostgreSQLContainer container) {
        String host = container.getHost();
        String authority = host.contains(":") ? "[" + host + "]" : host; // an IPv6 literal
        return "postgresql://" + authority + ":" + container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT) + "/"
                + container.getDatabaseName();
    }

    private static final class PostgresReplicationContainerConnectionDetails
            extends ContainerConnectionDetails<PostgreSQLContainer> implements ReplicationConnectionDetails {

        private PostgresReplicationContainerConnectionDetails(ContainerConnectionSource<PostgreSQLContainer> source) {
            super(source);
        }

        @Override
        public String getUrl() {
            return replicationUrl(getContainer());
        }

        @Override
        public String getUsername() {
            return getContainer().getUsername();
        }

        @Override
        public String getPassword() {
            return getContainer().getPassword();
        }
    }
}
