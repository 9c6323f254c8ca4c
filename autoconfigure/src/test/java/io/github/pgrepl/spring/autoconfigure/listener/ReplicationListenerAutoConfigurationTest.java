package io.github.pgrepl.spring.autoconfigure.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.spring.TestListeners;
import io.github.pgrepl.spring.autoconfigure.FailureAnalyses;
import io.github.pgrepl.spring.autoconfigure.PgReplAutoConfiguration;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ReplicationListener;
import io.github.pgrepl.spring.listener.error.DeadLetterRecoverer;
import io.github.pgrepl.spring.listener.error.DefaultReplicationErrorHandler;
import io.github.pgrepl.spring.listener.error.ErrorDecision;
import io.github.pgrepl.spring.listener.error.ReplicationErrorHandler;
import io.github.pgrepl.spring.listener.support.ChangeDispatcher;
import io.github.pgrepl.spring.listener.support.ReplicationListenerBeanPostProcessor;
import io.github.pgrepl.spring.listener.support.ReplicationListenerEndpoint;
import io.github.pgrepl.spring.listener.support.ReplicationListenerEndpointRegistry;
import io.github.pgrepl.spring.listener.support.ReplicationListenerRegistrar;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** The conditions of the listener auto-configuration, and how it picks each connection's error handler. */
class ReplicationListenerAutoConfigurationTest {

    private static final String ORDERS = "pgrepl.connections.orders.";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgReplAutoConfiguration.class, ReplicationListenerAutoConfiguration.class))
            .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                    ORDERS + "auto-startup=false");

    record Order(long id) {
    }

    static class Projection {
        @ReplicationListener(connection = "${projection.connection:orders}", tables = "${projection.tables:public.orders}")
        void on(Change<Order> change) {
        }
    }

    static class RawOnly {
        @ReplicationListener("orders")
        void on(ChangeEvent event) {
        }
    }

    static class NoListener {
        void on(Change<Order> change) {
        }
    }

    @Test
    void listenersAreFoundAndBoundToADispatcherPerConnection() {
        runner.withBean("projection", Projection.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ReplicationListenerBeanPostProcessor.class)
                    .hasSingleBean(ReplicationListenerEndpointRegistry.class);
            ReplicationListenerEndpointRegistry listeners = context.getBean(ReplicationListenerEndpointRegistry.class);
            assertThat(listeners.getListenerIds()).containsExactly("projection.on");
            ReplicationListenerEndpoint endpoint = listeners.getEndpoint("projection.on");
            assertThat(endpoint.connection()).isEqualTo("orders");
            assertThat(endpoint.tables()).containsExactly("public.orders");
            ChangeDispatcher dispatcher = listeners.getDispatcher("orders").orElseThrow();
            assertThat(dispatcher.listeners()).hasSize(1);
            assertThat(context.getBean(ReplicationConnectionRegistry.class).connection("orders").pgOutputHandler()).isPresent();
        });
    }

    @Test
    void placeholdersAreResolved() {
        runner.withBean("projection", Projection.class)
                .withPropertyValues("projection.tables=public.orders,public.lines")
                .run(context -> assertThat(context.getBean(ReplicationListenerEndpointRegistry.class)
                        .getEndpoint("projection.on").tables()).containsExactly("public.orders", "public.lines"));
    }

    @Test
    void backsOffWithoutConnectionRegistry() {
        runner.withClassLoader(new FilteredClassLoader(ReplicationConnection.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ReplicationListenerBeanPostProcessor.class)
                        .doesNotHaveBean(ReplicationListenerEndpointRegistry.class));
    }

    @Test
    void aRegistrarOfTheUsersWins() {
        runner.withUserConfiguration(UserRegistrarConfiguration.class).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(ReplicationListenerEndpointRegistry.class);
            assertThat(context.getBean(UserRegistrarConfiguration.class).registered).isEmpty();
        });
    }

    @Test
    void listenerBeansAreExcludedFromLazyInitializationAndOnlyThey() {
        runner.withBean("projection", Projection.class).run(context -> {
            LazyInitializationExcludeFilter filter = context.getBean(LazyInitializationExcludeFilter.class);
            RootBeanDefinition definition = new RootBeanDefinition();
            assertThat(filter.isExcluded("projection", definition, Projection.class)).isTrue();
            assertThat(filter.isExcluded("listener", definition, TestListeners.OrdersListener.class)).isTrue();
            assertThat(filter.isExcluded("other", definition, NoListener.class)).isFalse();
        });
    }

    @Test
    void byDefaultAFailingChangeIsRetriedWithoutEnd() {
        runner.withBean("projection", Projection.class).run(errorHandler(handler -> {
            assertThat(handler).isInstanceOf(DefaultReplicationErrorHandler.class);
            assertThat(((DefaultReplicationErrorHandler) handler).getRecoverer()).isNull();
            assertThat(((DefaultReplicationErrorHandler) handler).getBackOff()).hasToString("ExponentialBackOff["
                    + "initialInterval=1000, jitter=0, multiplier=2.0, maxInterval=30000, maxElapsedTime="
                    + Long.MAX_VALUE + ", maxAttempts=" + Long.MAX_VALUE + "]");
        }));
    }

    @Test
    void theRecovererAndItsRetriesComeFromTheProperties() {
        runner.withBean("projection", Projection.class)
                .withPropertyValues(ORDERS + "listener.recoverer=skip", ORDERS + "listener.max-attempts=4",
                        ORDERS + "listener.retry-backoff=200ms", ORDERS + "listener.max-backoff=1s")
                .run(errorHandler(handler -> {
                    DefaultReplicationErrorHandler handlerFromProperties = (DefaultReplicationErrorHandler) handler;
                    assertThat(handlerFromProperties.getBackOff()).hasToString("ExponentialBackOff[initialInterval=200,"
                            + " jitter=0, multiplier=2.0, maxInterval=1000, maxElapsedTime=" + Long.MAX_VALUE
                            + ", maxAttempts=3]");
                    assertThat(handlerFromProperties.getRecoverer()).isNotNull();
                }));
    }

    @Test
    void notRetryableExceptionsComeFromThePropertiesByClassName() {
        runner.withBean("projection", Projection.class)
                .withPropertyValues(ORDERS + "listener.recoverer=skip",
                        ORDERS + "listener.not-retryable-exceptions=java.lang.IllegalArgumentException,"
                                + "java.time.DateTimeException")
                .run(errorHandler(handler -> assertThat(((DefaultReplicationErrorHandler) handler)
                        .getNotRetryableExceptions()).containsExactly(IllegalArgumentException.class,
                                java.time.DateTimeException.class)));
    }

    @Test
    void notRetryableExceptionsWithTheRetryRecovererStopTheApplication() {
        assertFailure(runner.withBean("projection", Projection.class)
                .withPropertyValues(ORDERS + "listener.not-retryable-exceptions=java.lang.IllegalArgumentException"),
                analysis -> {
                    assertThat(analysis.getDescription())
                            .contains("pgrepl.connections.orders.listener.not-retryable-exceptions")
                            .contains("listener.recoverer is retry");
                    assertThat(analysis.getAction()).contains("dead-letter, skip or stop");
                });
    }

    @Test
    void aNotRetryableClassThatIsNoExceptionStopsTheApplication() {
        assertFailure(runner.withBean("projection", Projection.class)
                .withPropertyValues(ORDERS + "listener.recoverer=skip",
                        ORDERS + "listener.not-retryable-exceptions=java.lang.String"), analysis -> {
            assertThat(analysis.getDescription()).contains("listener.not-retryable-exceptions")
                    .contains("java.lang.String, which is not an exception");
            assertThat(analysis.getAction()).contains("exception classes only");
        });
    }

    @Test
    void aDeadLetterRecovererWritesThroughTheApplicationsDataSource() {
        runner.withBean("projection", Projection.class).withBean(DataSource.class, DriverManagerDataSource::new)
                .withPropertyValues(ORDERS + "listener.recoverer=dead-letter", ORDERS + "listener.dead-letter-table=ops.failed")
                .run(errorHandler(handler -> assertThat(((DefaultReplicationErrorHandler) handler).getRecoverer())
                        .isInstanceOfSatisfying(DeadLetterRecoverer.class,
                                recoverer -> assertThat(recoverer.table()).isEqualTo("ops.failed"))));
    }

    @Test
    void aDeadLetterRecovererWithoutDataSourceStopsTheApplication() {
        assertFailure(runner.withBean("projection", Projection.class)
                .withPropertyValues(ORDERS + "listener.recoverer=dead-letter"), analysis -> {
            assertThat(analysis.getDescription()).contains("pgrepl.connections.orders.listener.recoverer")
                    .contains("there is no DataSource bean");
            assertThat(analysis.getAction()).contains("spring.datasource.*");
        });
    }

    @Test
    void aDeadLetterRecovererWithoutJdbcOnTheClasspathStopsTheApplication() {
        assertFailure(runner.withBean("projection", Projection.class).withClassLoader(new FilteredClassLoader(JdbcClient.class))
                .withPropertyValues(ORDERS + "listener.recoverer=dead-letter"), analysis -> {
            assertThat(analysis.getDescription()).contains("needs spring-jdbc and Jackson");
            assertThat(analysis.getAction()).contains("spring-boot-starter-jdbc");
        });
    }

    @Test
    void anErrorHandlerBeanNamedForTheConnectionWinsThenASingleSharedOne() {
        runner.withBean("projection", Projection.class)
                .withBean("ordersReplicationErrorHandler", ReplicationErrorHandler.class, () -> NAMED)
                .withBean("shared", ReplicationErrorHandler.class, () -> SHARED)
                .run(errorHandler(handler -> assertThat(handler).isSameAs(NAMED)));
        runner.withBean("projection", Projection.class)
                .withBean("shared", ReplicationErrorHandler.class, () -> SHARED)
                .run(errorHandler(handler -> assertThat(handler).isSameAs(SHARED)));
    }

    @Test
    void twoSharedErrorHandlerBeansStopTheApplication() {
        assertFailure(runner.withBean("projection", Projection.class)
                .withBean("one", ReplicationErrorHandler.class, () -> SHARED)
                .withBean("two", ReplicationErrorHandler.class, () -> NAMED), analysis -> {
            assertThat(analysis.getDescription()).contains("Connection 'orders' could use any of the ReplicationErrorHandler"
                    + " beans [one, two]");
            assertThat(analysis.getAction()).contains("ordersReplicationErrorHandler")
                    .contains("An error handler serves a whole connection, not one listener")
                    .contains("FailedChange.listener()");
        });
    }

    @Test
    void streamingInProgressTransactionsIsForRawListenersOnly() {
        assertFailure(runner.withBean("projection", Projection.class).withPropertyValues(ORDERS + "streaming=true"),
                analysis -> assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.streaming' is"
                        + " invalid: is true, but listener methods projection.on take changes or transactions"));
        runner.withBean("raw", RawOnly.class).withPropertyValues(ORDERS + "streaming=true")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aRecovererIsForListenerMethodsNotForABeanLevelChangeListener() {
        assertFailure(runner.withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .withPropertyValues(ORDERS + "listener.recoverer=stop"), analysis -> {
            assertThat(analysis.getDescription()).contains("is STOP, which applies to @ReplicationListener methods, but the"
                    + " listener, bean 'ordersListener', is a ChangeListener");
            assertThat(analysis.getAction()).contains("move the listener to a method");
        });
    }

    private static final ReplicationErrorHandler NAMED = failed -> ErrorDecision.skip();
    private static final ReplicationErrorHandler SHARED = failed -> ErrorDecision.stop();

    private static org.springframework.boot.test.context.runner.ContextConsumer<
            org.springframework.boot.test.context.assertj.AssertableApplicationContext> errorHandler(
            Consumer<ReplicationErrorHandler> expectations) {
        return context -> {
            assertThat(context).hasNotFailed();
            expectations.accept(context.getBean(ReplicationListenerEndpointRegistry.class).getDispatcher("orders")
                    .orElseThrow().errorHandler());
        };
    }

    private static void assertFailure(ApplicationContextRunner runner, Consumer<FailureAnalysis> expectations) {
        runner.run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = FailureAnalyses.analyze(context.getStartupFailure());
            assertThat(analysis).as("a FailureAnalyzer explains %s", context.getStartupFailure()).isNotNull();
            expectations.accept(analysis);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class UserRegistrarConfiguration {
        final Map<String, Object> registered = new java.util.concurrent.ConcurrentHashMap<>();

        @Bean
        ReplicationListenerRegistrar myRegistrar() {
            return (List<ReplicationListenerEndpoint> endpoints) -> endpoints.forEach(each -> registered.put(each.id(), each));
        }
    }
}
