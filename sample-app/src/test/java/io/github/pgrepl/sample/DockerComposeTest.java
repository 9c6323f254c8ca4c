package io.github.pgrepl.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.mock.env.MockEnvironment;
import org.yaml.snakeyaml.Yaml;

/**
 * The sample with Docker Compose, checked without Docker: compose.yaml's service is one Spring Boot's and pgrepl's
 * connection details factories recognise (a postgres image) running with logical decoding, and with Compose on the
 * sample starts no embedded server of its own.
 */
class DockerComposeTest {

    @Test
    void theComposeServiceIsAPostgresWithLogicalDecoding() throws IOException {
        try (InputStream compose = Files.newInputStream(Path.of("compose.yaml"))) {
            Map<String, Map<String, Map<String, Object>>> file = new Yaml().load(compose);
            Map<String, Object> postgres = file.get("services").get("postgres");
            assertThat((String) postgres.get("image")).startsWith("postgres:");
            assertThat((String) postgres.get("command")).contains("-c wal_level=logical");
        }
    }

    @Test
    void withComposeOnNoEmbeddedServerStarts() {
        MockEnvironment environment = new MockEnvironment().withProperty("spring.docker.compose.enabled", "true");
        DeferredLogFactory logs = supplier -> org.apache.commons.logging.LogFactory.getLog(DockerComposeTest.class);

        new EmbeddedPostgresEnvironment(logs).postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getPropertySources().contains("embeddedPostgres")).isFalse();
        assertThat(environment.getProperty("spring.datasource.url")).isNull();
    }
}
