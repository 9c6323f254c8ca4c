package io.github.pgrepl.spring.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.ConnectionConfig;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactory;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The container-to-connection mapping, without Docker: a container that is never started. */
class PostgresReplicationContainerConnectionDetailsFactoryTest {

    @Test
    void theUrlIsTheMappedPortOfTheContainersDatabase() {
        PostgreSQLContainer container = new MappedContainer("localhost", 49153).withDatabaseName("shop");

        String url = PostgresReplicationContainerConnectionDetailsFactory.replicationUrl(container);

        assertThat(url).isEqualTo("postgresql://localhost:49153/shop");
        ConnectionConfig config = ConnectionConfig.fromUrl(url).user("test").build();
        assertThat(config.port()).isEqualTo(49153);
        assertThat(config.database()).isEqualTo("shop");
    }

    @Test
    void anIpv6HostIsBracketed() {
        assertThat(PostgresReplicationContainerConnectionDetailsFactory.replicationUrl(new MappedContainer("::1", 5432)))
                .isEqualTo("postgresql://[::1]:5432/test");
    }

    @Test
    void theFactoryIsRegisteredForServiceConnections() {
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(ConnectionDetailsFactory.class,
                (type, implementation, notInstantiable) -> { }))
                .hasAtLeastOneElementOfType(PostgresReplicationContainerConnectionDetailsFactory.class);
    }

    /** Answers host and port as a started container would. */
    private static final class MappedContainer extends PostgreSQLContainer {
        private final String host;
        private final int port;

        MappedContainer(String host, int port) {
            super("postgres:18");
            this.host = host;
            this.port = port;
        }

        @Override
        public String getHost() {
            return host;
        }

        @Override
        public Integer getMappedPort(int originalPort) {
            return originalPort == POSTGRESQL_PORT ? port : null;
        }
    }
}
