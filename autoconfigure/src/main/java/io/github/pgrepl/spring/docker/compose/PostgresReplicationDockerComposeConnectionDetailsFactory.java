package io.github.pgrepl.spring.docker.compose;

import io.github.pgrepl.spring.autoconfigure.ReplicationConnectionDetails;

import java.util.Map;

import org.springframework.boot.docker.compose.core.RunningService;
import org.springframework.boot.docker.compose.service.connection.DockerComposeConnectionDetailsFactory;
import org.springframework.boot.docker.compose.service.connection.DockerComposeConnectionSource;

/**
 * Points every pgrepl connection without a URL of its own at a {@code postgres} service of the application's
 * {@code compose.yaml} (spring-boot-docker-compose), as Spring Boot does for JDBC. The service must run with
 * {@code wal_level=logical}, e.g. {@code command: postgres -c wal_level=logical}; its user is a superuser, so it may
 * replicate.
 *
 * <p>A {@code postgresql://} URL of the service's mapped port and database, not Spring Boot's JDBC URL: that one may carry
 * pgjdbc parameters (the {@code org.springframework.boot.jdbc.parameters} label, {@code ApplicationName}) that a
 * replication connection does not take. Users, passwords and databases are read from the service's environment as
 * the official image reads them ({@code POSTGRES_USER}, {@code POSTGRES_PASSWORD}, {@code POSTGRES_DB}, and the
 * {@code POSTGRESQL_*} spellings of other images); {@code POSTGRES_HOST_AUTH_METHOD=trust} means no password.
 */
class PostgresReplicationDockerComposeConnectionDetailsFactory
        extends DockerComposeConnectionDetailsFactory<ReplicationConnectionDetails> {

    private static final int POSTGRES_PORT = 5432;
    private static final String DEFAULT_USER = "postgres";

    PostgresReplicationDockerComposeConnectionDetailsFactory() {
        super("postgres", "io.github.pgrepl.ReplicationConnection");
    }

    @Override
    protected ReplicationConnectionDetails getDockerComposeConnectionDetails(DockerComposeConnectionSource source) {
        return new PostgresReplicationDockerComposeConnectionDetails(source.getRunningService());
    }

    /** Where and as whom the service is reached; no Docker needed to compute it. */
    static final class PostgresReplicationDockerComposeConnectionDetails extends DockerComposeConnectionDetails
            implements ReplicationConnectionDetails {

        private final String url;
        private final String username;
        private final String password;

        PostgresReplicationDockerComposeConnectionDetails(RunningService service) {
            super(service);
            Map<String, String> env = service.env();
            this.username = first(env, DEFAULT_USER, "POSTGRES_USER", "POSTGRESQL_USER", "POSTGRESQL_USERNAME");
            String database = first(env, username, "POSTGRES_DB", "POSTGRESQL_DB", "POSTGRESQL_DATABASE");
            this.password = "trust".equals(env.get("POSTGRES_HOST_AUTH_METHOD")) ? null
                    : first(env, null, "POSTGRES_PASSWORD", "POSTGRESQL_PASSWORD");
            String host = service.host();
            String authority = host.contains(":") ? "[" + host + "]" : host; // an IPv6 literal
            this.url = "postgresql://" + authority + ":" + service.ports().get(POSTGRES_PORT) + "/" + database;
        }

        @Override
        public String getUrl() {
            return url;
        }

        @Override
        public String getUsername() {
            return username;
        }

        @Override
        public String getPassword() {
            return password;
        }

        private static String first(Map<String, String> env, String otherwise, String... keys) {
            for (String key : keys) {
                String value = env.get(key);
                if (value != null) {
                    return value;
                }
            }
            return otherwise;
        }

        @Override
        public String toString() {
            return "PostgresReplicationDockerComposeConnectionDetails[" + url + ", username=" + username + "]";
        }
    }
}
