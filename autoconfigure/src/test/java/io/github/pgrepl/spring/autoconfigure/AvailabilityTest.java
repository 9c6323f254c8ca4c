package io.github.pgrepl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.spring.TestListeners;
import io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.ReplicationAvailability;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A connection that stops for good refuses the application's traffic, or marks it broken, as its availability says,
 * until it streams again; Spring Boot's own "ready" and "started" do not lift that. Nothing connects.
 */
class AvailabilityTest {

    private static final String ORDERS = "pgrepl.connections.orders.";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ApplicationAvailabilityAutoConfiguration.class,
                    PgReplAutoConfiguration.class, ReplicationListenerAutoConfiguration.class))
            .withUserConfiguration(TestListeners.OrdersHandlerConfiguration.class)
            .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "auto-startup=false");

    @Test
    void readinessRefusesTrafficUntilTheConnectionStreamsAgain() {
        runner.withPropertyValues(ORDERS + "availability=readiness").run(context -> {
            ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
            AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
            ready(context);
            ManagedReplicationConnection orders = orders(context);

            orders.stopStreaming("listener 'x.on' failed");
            assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
            ready(context); // Spring Boot's own event once the application is ready
            assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
            assertThat(availability.getLivenessState()).isEqualTo(LivenessState.CORRECT);

            orders.resumeStreaming();
            assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
        });
    }

    @Test
    void livenessMarksTheApplicationBroken() {
        runner.withPropertyValues(ORDERS + "availability=liveness").run(context -> {
            ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
            AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
            orders(context).stopStreaming("listener 'x.on' failed");
            assertThat(availability.getLivenessState()).isEqualTo(LivenessState.BROKEN);
            AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
            assertThat(availability.getLivenessState()).isEqualTo(LivenessState.BROKEN);
        });
    }

    @Test
    void byDefaultTheApplicationsAvailabilityIsLeftAlone() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(ReplicationAvailability.class);
            ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
            ready(context);
            orders(context).stopStreaming("listener 'x.on' failed");
            assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);
        });
    }

    private static void ready(AssertableApplicationContext context) {
        AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
    }

    private static ManagedReplicationConnection orders(AssertableApplicationContext context) {
        return context.getBean(ReplicationConnectionRegistry.class).connection("orders");
    }
}
