package io.github.pgrepl.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.github.pgrepl.spring.autoconfigure.FailureAnalyses;
import io.github.pgrepl.spring.autoconfigure.PgReplAutoConfiguration;
import io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.endpoint.ReplicationEndpoint;
import io.github.pgrepl.spring.autoconfigure.endpoint.ReplicationEndpointAutoConfiguration;
import io.github.pgrepl.spring.autoconfigure.health.ReplicationHealthContributorAutoConfiguration;
import io.github.pgrepl.testsupport.BackendMessages;
import io.github.pgrepl.testsupport.BackendScript;
import io.github.pgrepl.testsupport.FakeBackend;
import io.github.pgrepl.testsupport.SecretSamples;
import io.github.pgrepl.testsupport.SecretSamples.SecretUrl;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Passwords made of every printable ASCII character, in every form of URL, through the Spring layer: no piece of 3
 * characters of one appears in a startup failure's analysis (what Spring Boot logs), in health or endpoint JSON, or
 * in a log line of a connection that the server refuses.
 */
class SecretsAutoConfigurationTest {

    private static final String URL = "pgrepl.connections.orders.url";
    private static final List<String> PASSWORDS = SecretSamples.printableAsciiPasswords(5, 6);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgReplAutoConfiguration.class,
                    ReplicationListenerAutoConfiguration.class, ReplicationHealthContributorAutoConfiguration.class,
                    ReplicationEndpointAutoConfiguration.class))
            .withUserConfiguration(TestListeners.OrdersHandlerConfiguration.class);

    @Test
    void noPieceOfAPasswordInAFailureAnalysis() {
        int analysed = 0;
        for (String password : PASSWORDS) {
            for (SecretUrl url : SecretSamples.urls("app", password, "db.example", 5432, "shop")) {
                StringBuilder text = new StringBuilder();
                int[] failed = new int[1];
                withUrl(url.url()).withPropertyValues("pgrepl.connections.orders.auto-startup=false").run(context -> {
                    if (context.getStartupFailure() != null) {
                        failed[0]++;
                        FailureAnalysis analysis = FailureAnalyses.analyze(context.getStartupFailure());
                        assertThat(analysis).as(url.form()).isNotNull();
                        text.append(analysis.getDescription()).append(analysis.getAction())
                                .append(stackTrace(context.getStartupFailure()));
                    } else {
                        text.append(context.getBean(ReplicationConnectionRegistry.class).connection("orders").settings());
                    }
                });
                analysed += failed[0];
                assertThat(SecretSamples.leakedPiece(password, text)).as("%s: %s", url.form(), text).isEmpty();
            }
        }
        assertThat(analysed).as("startup failures analysed").isGreaterThan(10 * PASSWORDS.size());
    }

    @Test
    void noPieceOfAPasswordTheServerRefusesInHealthEndpointOrLogs() {
        BackendScript refuse = BackendScript.builder().send(BackendMessages.authenticationCleartextPassword())
                .expect('p', password -> List.of(BackendMessages.errorResponse("FATAL", "28P01",
                        "password authentication failed for user \"app\"")))
                .close().build();
        JsonMapper json = JsonMapper.builder().build();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        root.setLevel(Level.DEBUG);
        try (FakeBackend backend = FakeBackend.start(refuse)) {
            for (String password : PASSWORDS.subList(0, 2)) {
                for (SecretUrl url : SecretSamples.urls("app", password, backend.host(), backend.port(), "shop")) {
                    if (!url.valid()) {
                        continue;
                    }
                    logs.list.clear();
                    StringBuilder text = new StringBuilder();
                    withUrl(url.url()).withPropertyValues("pgrepl.connections.orders.reconnect.min-backoff=50ms",
                            "pgrepl.connections.orders.reconnect.max-backoff=100ms").run(context -> {
                        ReplicationConnectionRegistry registry = context.getBean(ReplicationConnectionRegistry.class);
                        await().atMost(Duration.ofSeconds(10))
                                .until(() -> registry.connection("orders").connection().status().lastError() != null);
                        HealthIndicator health = (HealthIndicator) ((CompositeHealthContributor) context
                                .getBean("replicationHealthContributor")).getContributor("orders");
                        ReplicationEndpoint endpoint = new ReplicationEndpoint(registry); // as exposed over HTTP
                        text.append(json.writeValueAsString(health.health()))
                                .append(json.writeValueAsString(endpoint.connections()))
                                .append(registry.connection("orders").connection().status());
                        assertThat(text).as("the refusal reached health").contains("28P01");
                    });
                    for (ILoggingEvent event : logs.list) {
                        text.append(event.getFormattedMessage()).append('\n');
                        if (event.getThrowableProxy() != null) {
                            text.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
                        }
                    }
                    assertThat(SecretSamples.leakedPiece(password, text)).as("%s: %s", url.form(), text).isEmpty();
                }
            }
        } finally {
            root.detachAppender(logs);
            root.setLevel(level);
        }
    }

    /** The URL as a property source of its own: no parsing of "key=value" pairs can split it. */
    private ApplicationContextRunner withUrl(String url) {
        return runner.withInitializer(context -> context.getEnvironment().getPropertySources()
                .addFirst(new MapPropertySource("url", Map.of(URL, url))));
    }

    private static String stackTrace(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
