package io.github.pgrepl.spring.docker.compose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.spring.autoconfigure.ReplicationConnectionDetails;
import io.github.pgrepl.spring.docker.compose.PostgresReplicationDockerComposeConnectionDetailsFactory.PostgresReplicationDockerComposeConnectionDetails;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactory;
import org.springframework.boot.docker.compose.core.ConnectionPorts;
import org.springframework.boot.docker.compose.core.ImageReference;
import org.springframework.boot.docker.compose.core.RunningService;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** The compose-service-to-connection mapping, without Docker: a service as docker compose would describe it. */
class PostgresReplicationDockerComposeConnectionDetailsFactoryTest {

    @Test
    void theOfficialImagesEnvironment() {
        ReplicationConnectionDetails details = details(service("127.0.0.1", 49153, Map.of("POSTGRES_USER", "app",
                "POSTGRES_PASSWORD", "s3cret", "POSTGRES_DB", "shop")));
        assertThat(details.getUrl()).isEqualTo("postgresql://127.0.0.1:49153/shop");
        assertThat(details.getUsername()).isEqualTo("app");
        assertThat(details.getPassword()).isEqualTo("s3cret");
        ConnectionConfig config = ConnectionConfig.fromUrl(details.getUrl()).user(details.getUsername()).build();
        assertThat(config.port()).isEqualTo(49153);
        assertThat(config.database()).isEqualTo("shop");
    }

    @Test
    void theImagesDefaultsWhenTheEnvironmentSaysLittle() {
        ReplicationConnectionDetails details = details(service("localhost", 5433, Map.of("POSTGRES_PASSWORD", "pw")));
        assertThat(details.getUsername()).isEqualTo("postgres");
        assertThat(details.getUrl()).as("the database is named after the user").isEqualTo("postgresql://localhost:5433/postgres");
    }

    @Test
    void otherImagesSpellings() {
        ReplicationConnectionDetails details = details(service("localhost", 5433, Map.of("POSTGRESQL_USERNAME", "bn",
                "POSTGRESQL_PASSWORD", "pw", "POSTGRESQL_DATABASE", "db")));
        assertThat(details.getUsername()).isEqualTo("bn");
        assertThat(details.getPassword()).isEqualTo("pw");
        assertThat(details.getUrl()).endsWith("/db");
    }

    @Test
    void trustMeansNoPassword() {
        Map<String, String> env = new HashMap<>(Map.of("POSTGRES_HOST_AUTH_METHOD", "trust", "POSTGRES_PASSWORD", "ignored"));
        assertThat(details(service("localhost", 5432, env)).getPassword()).isNull();
    }

    @Test
    void anIpv6HostIsBracketed() {
        assertThat(details(service("::1", 5432, Map.of())).getUrl()).isEqualTo("postgresql://[::1]:5432/postgres");
    }

    @Test
    void theFactoryIsRegisteredForServiceConnections() {
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(ConnectionDetailsFactory.class,
                (type, implementation, notInstantiable) -> { }))
                .hasAtLeastOneElementOfType(PostgresReplicationDockerComposeConnectionDetailsFactory.class);
    }

    @Test
    void thePasswordIsNotInToString() {
        assertThat(details(service("localhost", 5432, Map.of("POSTGRES_PASSWORD", "s3cret"))).toString())
                .doesNotContain("s3cret");
    }

    private static ReplicationConnectionDetails details(RunningService service) {
        return new PostgresReplicationDockerComposeConnectionDetails(service);
    }

    private static RunningService service(String host, int mappedPort, Map<String, String> env) {
        return new RunningService() {
            @Override
            public String name() {
                return "postgres";
            }

            @Override
            public ImageReference image() {
                return ImageReference.of("postgres:18");
            }

            @Override
            public String host() {
                return host;
            }

            @Override
            public ConnectionPorts ports() {
                return new ConnectionPorts() {
                    @Override
                    public int get(int containerPort) {
                        assertThat(containerPort).isEqualTo(5432);
                        return mappedPort;
                    }

                    @Override
                    public List<Integer> getAll() {
                        return List.of(mappedPort);
                    }

                    @Override
                    public List<Integer> getAll(String protocol) {
                        return getAll();
                    }
                };
            }

            @Override
            public Map<String, String> env() {
                return env;
            }

            @Override
            public Map<String, String> labels() {
                return Map.of();
            }
        };
    }
}
