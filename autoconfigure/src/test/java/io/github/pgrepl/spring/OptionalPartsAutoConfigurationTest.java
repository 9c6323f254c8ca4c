package io.github.pgrepl.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.spring.autoconfigure.PgReplAutoConfiguration;
import io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.endpoint.ReplicationEndpoint;
import io.github.pgrepl.spring.autoconfigure.endpoint.ReplicationEndpointAutoConfiguration;
import io.github.pgrepl.spring.autoconfigure.health.ReplicationHealthContributorAutoConfiguration;
import io.github.pgrepl.spring.metrics.ReplicationMetrics;
import io.github.pgrepl.spring.autoconfigure.metrics.ReplicationMetricsAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** Health, metrics and the endpoint: each on when its classes (and switches) say so, and off otherwise. */
class OptionalPartsAutoConfigurationTest {

    private static final AutoConfigurations ALL = AutoConfigurations.of(PgReplAutoConfiguration.class,
            ReplicationListenerAutoConfiguration.class, ReplicationHealthContributorAutoConfiguration.class, ReplicationMetricsAutoConfiguration.class,
            ReplicationEndpointAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(ALL)
            .withUserConfiguration(TestListeners.OrdersHandlerConfiguration.class)
            .withPropertyValues("pgrepl.connections.orders.url=postgresql://app@db/shop",
                    "pgrepl.connections.orders.auto-startup=false");

    @Test
    void theStarterWorksWithoutActuatorMicrometerOrTestcontainers() {
        runner.withClassLoader(new FilteredClassLoader(HealthContributor.class, MeterBinder.class, Endpoint.class,
                        PostgreSQLContainer.class, ContainerConnectionDetailsFactory.class))
                .withBean(SimpleMeterRegistry.class)
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(ReplicationConnectionRegistry.class)
                        .doesNotHaveBean("replicationHealthContributor").doesNotHaveBean(ReplicationMetrics.class)
                        .doesNotHaveBean(ReplicationEndpoint.class));
    }

    @Test
    void healthHasOneChildPerConnection() {
        runner.run(context -> {
            HealthContributor contributor = context.getBean("replicationHealthContributor", HealthContributor.class);
            assertThat(contributor).isInstanceOf(CompositeHealthContributor.class);
            HealthContributor orders = ((CompositeHealthContributor) contributor).getContributor("orders");
            Health health = ((HealthIndicator) orders).health();
            assertThat(health.getStatus()).as("not started yet").isEqualTo(Status.UNKNOWN);
            assertThat(health.getDetails()).containsEntry("state", "NOT_STARTED");
        });
    }

    @Test
    void healthCanBeTurnedOff() {
        runner.withPropertyValues("management.health.replication.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("replicationHealthContributor"));
    }

    @Test
    void aHealthContributorOfTheUsersWins() {
        runner.withUserConfiguration(UserHealthConfiguration.class).run(context -> assertThat(
                context.getBean("replicationHealthContributor")).isSameAs(UserHealthConfiguration.CONTRIBUTOR));
    }

    @Test
    void metricsNeedAMeterRegistry() {
        runner.run(context -> assertThat(context).doesNotHaveBean(ReplicationMetrics.class));
    }

    @Test
    void metricsAreTaggedWithTheConnection() {
        runner.withBean(SimpleMeterRegistry.class).run(context -> {
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            context.getBean(ReplicationMetrics.class).bindTo(meters);
            for (String name : new String[] { "pgrepl.messages.received", "pgrepl.bytes.received", "pgrepl.lag.time",
                    "pgrepl.paused", "pgrepl.paused.duration", "pgrepl.reconnects", "pgrepl.listener.queue",
                    "pgrepl.listener.errors", "pgrepl.listener.skipped", "pgrepl.listener.recovered" }) {
                assertThat(meters.find(name).tag("connection", "orders").meter()).as(name).isNotNull();
            }
            assertThat(meters.get("pgrepl.lag").tags("connection", "orders", "position", "flushed").gauge().value()).isZero();
            assertThat(meters.get("pgrepl.lag").tags("connection", "orders", "position", "received").gauge().value()).isZero();
            assertThat(meters.get("pgrepl.lag.time").tag("connection", "orders").timeGauge().value()).isZero();
            assertThat(meters.find("pgrepl.listener").meter()).as("the listeners' timer comes from their observations")
                    .isNull();
            assertThat(meters.get("pgrepl.paused").tag("connection", "orders").gauge().value()).isZero();
        });
    }

    @Test
    void theEndpointIsThereOnlyWhenExposed() {
        WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(ALL)
                .withUserConfiguration(TestListeners.OrdersHandlerConfiguration.class)
                .withPropertyValues("pgrepl.connections.orders.url=postgresql://app@db/shop",
                        "pgrepl.connections.orders.auto-startup=false");
        web.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ReplicationEndpoint.class));
        web.withPropertyValues("management.endpoints.web.exposure.include=pgrepl")
                .run(context -> assertThat(context).hasSingleBean(ReplicationEndpoint.class));
    }

    @Test
    void theEndpointOnlyReadsUnlessWritesAreGranted() {
        assertThat(ReplicationEndpoint.class.getAnnotation(org.springframework.boot.actuate.endpoint.annotation.Endpoint.class)
                .defaultAccess()).isEqualTo(org.springframework.boot.actuate.endpoint.Access.READ_ONLY);
    }

    @Configuration(proxyBeanMethods = false)
    static class UserHealthConfiguration {
        static final HealthIndicator CONTRIBUTOR = () -> Health.up().build();

        @Bean
        HealthIndicator replicationHealthContributor() {
            return CONTRIBUTOR;
        }
    }
}
