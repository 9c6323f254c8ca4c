package io.github.pgrepl.sample;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.context.aot.AbstractAotProcessor;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Gives the sample a server when it is told of none: if neither {@value #CONNECTION_URL} nor {@value #DATASOURCE_URL}
 * is set, and Docker Compose is off ({@value #DOCKER_COMPOSE}, off in application.yml), starts an embedded PostgreSQL (zonky's binaries, {@code wal_level=logical}, a free port) and points
 * {@code spring.datasource.*} at it, which connection {@code orders} falls back on.
 *
 * <p>An {@link EnvironmentPostProcessor} (registered in META-INF/spring.factories) rather than a bean, because the data
 * source and the pgrepl connection read the URL when they are created: it must be in the environment before any bean
 * exists. The server is stopped after the last bean of the context, so after the replication connection has let go.
 */
public class EmbeddedPostgresEnvironment implements EnvironmentPostProcessor {

    static final String CONNECTION_URL = "pgrepl.connections.orders.url";
    static final String DATASOURCE_URL = "spring.datasource.url";
    /** On: spring-boot-docker-compose starts compose.yaml's postgres and is where the data source connects. */
    static final String DOCKER_COMPOSE = "spring.docker.compose.enabled";

    /** zonky's superuser; the embedded server trusts local connections, so there is no password. */
    private static final String USER = "postgres";
    private static final String DATABASE = "postgres";

    private final Log log;

    public EmbeddedPostgresEnvironment(DeferredLogFactory logs) {
        this.log = logs.getLog(EmbeddedPostgresEnvironment.class);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (StringUtils.hasText(environment.getProperty(CONNECTION_URL))
                || StringUtils.hasText(environment.getProperty(DATASOURCE_URL))
                || environment.getProperty(DOCKER_COMPOSE, Boolean.class, false)) {
            return;
        }
        if (Boolean.getBoolean(AbstractAotProcessor.AOT_PROCESSING)) {
            return; // spring-boot:process-aot only reads the bean definitions: no server, nothing connects
        }
        EmbeddedPostgres postgres = start();
        // Safety net for a JVM that exits before a context holds the server; runs after Spring closed the contexts.
        SpringApplication.getShutdownHandlers().add(() -> close(postgres));
        application.addListeners(new StopWithContext(postgres));

        String url = "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + DATABASE;
        // First: a username set without a URL names a role the embedded server does not have.
        environment.getPropertySources().addFirst(new MapPropertySource("embeddedPostgres",
                Map.of(DATASOURCE_URL, url, "spring.datasource.username", USER)));
        log.info("No " + DATASOURCE_URL + " or " + CONNECTION_URL + " set: started an embedded PostgreSQL with"
                + " wal_level=logical at " + url + ". Set " + DATASOURCE_URL + " to use a server of your own.");
    }

    private static EmbeddedPostgres start() {
        try {
            return EmbeddedPostgres.builder()
                    .setServerConfig("wal_level", "logical")
                    // zonky's own hook could stop the server while the replication connection is still closing.
                    .setRegisterShutdownHook(false)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL; set " + DATASOURCE_URL
                    + " (and username, password) to use a server of your own", e);
        }
    }

    private static void close(EmbeddedPostgres postgres) {
        try {
            postgres.close(); // idempotent
        } catch (IOException e) {
            throw new UncheckedIOException("Could not stop the embedded PostgreSQL", e);
        }
    }

    /**
     * Makes the server a bean of the context with {@code close} as its destroy method. Beans are destroyed after the
     * lifecycle stop, so the replication connection has let go by then; and as one of the first beans created, it is
     * among the last destroyed, after the data source.
     */
    private record StopWithContext(EmbeddedPostgres postgres) implements ApplicationListener<ApplicationPreparedEvent> {

        @Override
        public void onApplicationEvent(ApplicationPreparedEvent event) {
            if (event.getApplicationContext() instanceof GenericApplicationContext context) {
                context.registerBean("embeddedPostgres", EmbeddedPostgres.class, () -> postgres,
                        definition -> definition.setDestroyMethodName("close"));
            }
        }
    }
}
