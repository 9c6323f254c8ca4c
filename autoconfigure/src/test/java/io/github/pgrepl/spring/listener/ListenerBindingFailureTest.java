package io.github.pgrepl.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.spring.TestListeners;
import io.github.pgrepl.spring.autoconfigure.FailureAnalyses;
import io.github.pgrepl.spring.autoconfigure.PgReplAutoConfiguration;

import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** One listener per connection, or the application does not start and says which connection and which beans. */
class ListenerBindingFailureTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgReplAutoConfiguration.class))
            .withPropertyValues("pgrepl.connections.orders.url=postgresql://app@db/shop",
                    "pgrepl.connections.orders.publications=orders_pub", "pgrepl.connections.orders.auto-startup=false");

    @Test
    void aConnectionWithoutListener() {
        assertFailure(runner, analysis -> {
            assertThat(analysis.getDescription()).contains("Connection 'orders' (pgrepl.connections.orders) has no"
                    + " @ReplicationListener bean");
            assertThat(analysis.getAction()).contains("@ReplicationListener(\"orders\")");
        });
    }

    @Test
    void aConnectionWithTwoListeners() {
        assertFailure(runner.withUserConfiguration(TestListeners.TwoOrdersListenersConfiguration.class), analysis -> {
            assertThat(analysis.getDescription()).contains("Connection 'orders' has 2 @ReplicationListener beans:"
                    + " 'ordersListener', 'otherOrdersListener'");
            assertThat(analysis.getAction()).contains("Keep @ReplicationListener(\"orders\") on one bean");
        });
    }

    @Test
    void aListenerForAConnectionThatIsNotConfigured() {
        assertFailure(runner.withUserConfiguration(TestListeners.OrdersListenerConfiguration.class,
                TestListeners.MisspelledListenerConfiguration.class), analysis -> {
            assertThat(analysis.getDescription()).contains("Bean 'misspelledListener' is a @ReplicationListener(\"orderz\")"
                    + " but no connection 'orderz' is configured (configured: [orders])");
            assertThat(analysis.getAction()).contains("pgrepl.connections.orderz.*");
        });
    }

    @Test
    void aListenerThatIsNeitherChangeListenerNorHandler() {
        assertFailure(runner.withUserConfiguration(TestListeners.NeitherConfiguration.class), analysis -> {
            assertThat(analysis.getDescription()).contains("Bean 'neither'").contains("implements neither ChangeListener"
                    + " nor ReplicationHandler");
            assertThat(analysis.getAction()).contains("io.github.pgrepl.pgoutput.ChangeListener");
        });
    }

    @Test
    void withoutAnyConnectionAListenerStillFails() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PgReplAutoConfiguration.class))
                .withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .run(context -> assertThat(FailureAnalyses.analyze(context.getStartupFailure()).getDescription())
                        .contains("no connection 'orders' is configured (configured: [])"));
    }

    private static void assertFailure(ApplicationContextRunner runner, Consumer<FailureAnalysis> expectations) {
        runner.run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = FailureAnalyses.analyze(context.getStartupFailure());
            assertThat(analysis).as("a FailureAnalyzer explains %s", context.getStartupFailure()).isNotNull();
            expectations.accept(analysis);
        });
    }
}
