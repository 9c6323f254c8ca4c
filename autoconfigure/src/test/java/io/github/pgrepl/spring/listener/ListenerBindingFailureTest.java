package io.github.pgrepl.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.spring.TestListeners;
import io.github.pgrepl.spring.autoconfigure.FailureAnalyses;
import io.github.pgrepl.spring.autoconfigure.PgReplAutoConfiguration;
import io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration;

import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Listeners that cannot be bound stop the application at startup, and the failure analysis says which connection,
 * which beans or methods, and what to do.
 */
class ListenerBindingFailureTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgReplAutoConfiguration.class, ReplicationListenerAutoConfiguration.class))
            .withPropertyValues("pgrepl.connections.orders.url=postgresql://app@db/shop",
                    "pgrepl.connections.orders.publications=orders_pub", "pgrepl.connections.orders.auto-startup=false");

    @Test
    void aConnectionWithoutListener() {
        assertFailure(runner, analysis -> {
            assertThat(analysis.getDescription()).contains("Connection 'orders' (pgrepl.connections.orders) has no"
                    + " @ReplicationListener");
            assertThat(analysis.getAction()).contains("@ReplicationListener(connection = \"orders\")");
        });
    }

    @Test
    void aConnectionWithTwoBeanLevelListeners() {
        assertFailure(runner.withUserConfiguration(TestListeners.TwoOrdersListenersConfiguration.class), analysis -> {
            assertThat(analysis.getDescription()).contains("Connection 'orders' has 2 @ReplicationListeners: bean"
                    + " 'ordersListener', bean 'otherOrdersListener'").contains("is its connection's only consumer");
            assertThat(analysis.getAction()).contains("Move the bean's listener to a method");
        });
    }

    @Test
    void aBeanLevelListenerDoesNotShareItsConnectionWithMethods() {
        assertFailure(runner.withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .withBean("projection", Projection.class), analysis -> assertThat(analysis.getDescription())
                .contains("Connection 'orders' has 2 @ReplicationListeners:").contains("bean 'ordersListener'")
                .contains("method Projection.on(ChangeEvent) of bean 'projection'")
                .contains("a bean annotated on its type (bean 'ordersListener') is its connection's only consumer"));
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
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PgReplAutoConfiguration.class, ReplicationListenerAutoConfiguration.class))
                .withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .run(context -> assertThat(FailureAnalyses.analyze(context.getStartupFailure()).getDescription())
                        .contains("no connection 'orders' is configured (configured: [])"));
    }

    @Test
    void aMethodWithTwoParameters() {
        assertFailure(runner.withBean("wrong", TwoParameters.class), analysis -> assertThat(analysis.getDescription())
                .contains("Listener method TwoParameters.on(Change, Change) takes 2 parameters; it must take exactly one"));
    }

    @Test
    void aMethodThatTakesNoRow() {
        assertFailure(runner.withBean("wrong", TakesAString.class), analysis -> assertThat(analysis.getDescription())
                .contains("Listener method TakesAString.on(String) takes java.lang.String, which is not a row type"));
    }

    @Test
    void aPayloadOnlyMethodForDeletes() {
        assertFailure(runner.withBean("wrong", PayloadOfDeletes.class), analysis -> assertThat(analysis.getDescription())
                .contains("takes the new row alone, but asks for DELETE, which has none: take Change<Order> instead"));
    }

    @Test
    void aMethodWithoutConnection() {
        assertFailure(runner.withBean("wrong", NoConnection.class), analysis -> {
            assertThat(analysis.getDescription()).contains("@ReplicationListener on method NoConnection.on(ChangeEvent) of"
                    + " bean 'wrong' names no connection");
            assertThat(analysis.getAction()).contains("Fix the @ReplicationListener of bean 'wrong'");
        });
    }

    @Test
    void twoListenersWithOneId() {
        assertFailure(runner.withBean("projection", Projection.class).withBean("same", SameId.class),
                analysis -> assertThat(analysis.getDescription()).contains("Two listeners have the id 'projection.on'"));
    }

    @Test
    void tablesOnABeanLevelListener() {
        assertFailure(runner.withBean("wrong", FilteredBean.class), analysis -> assertThat(analysis.getDescription())
                .contains("Bean 'wrong' has @ReplicationListener on its type with tables or operations"));
    }

    record Order(long id) {
    }

    static class Projection {
        @ReplicationListener("orders")
        void on(ChangeEvent event) {
        }
    }

    static class SameId {
        @ReplicationListener(connection = "orders", id = "projection.on")
        void handle(ChangeEvent event) {
        }
    }

    static class TwoParameters {
        @ReplicationListener("orders")
        void on(Change<Order> one, Change<Order> two) {
        }
    }

    static class TakesAString {
        @ReplicationListener("orders")
        void on(String value) {
        }
    }

    static class PayloadOfDeletes {
        @ReplicationListener(connection = "orders", operations = { Operation.INSERT, Operation.DELETE })
        void on(Order order) {
        }
    }

    static class NoConnection {
        @ReplicationListener(tables = "orders")
        void on(ChangeEvent event) {
        }
    }

    @ReplicationListener(connection = "orders", tables = "orders")
    static class FilteredBean implements ChangeListener {
        @Override
        public void onChange(ChangeEvent event) {
        }
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
