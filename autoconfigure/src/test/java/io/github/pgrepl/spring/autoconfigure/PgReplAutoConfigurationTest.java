package io.github.pgrepl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.Endpoint;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.TargetSessionAttrs;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.pgoutput.SnapshotMode;
import io.github.pgrepl.pgoutput.SnapshotOptions;
import io.github.pgrepl.spring.TestListeners;
import io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.env.MockEnvironment;

/** Conditions and defaults of the core auto-configuration; nothing here connects (auto-startup is off). */
class PgReplAutoConfigurationTest {

    private static final String ORDERS = "pgrepl.connections.orders.";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgReplAutoConfiguration.class, ReplicationListenerAutoConfiguration.class));

    @Test
    void withoutConnectionsThereIsAnEmptyRegistryAndNoConnectionBean() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ReplicationConnectionRegistry.class)
                    .doesNotHaveBean(ReplicationConnection.class);
            assertThat(context.getBean(ReplicationConnectionRegistry.class).connections()).isEmpty();
        });
    }

    @Test
    void closingFitsInBootsShutdownPhase() {
        runner.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class))
                .withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                        ORDERS + "auto-startup=false", "spring.lifecycle.timeout-per-shutdown-phase=4s")
                .run(context -> assertThat(context.getBean(ReplicationConnectionRegistry.class).connection("orders")
                        .settings().pgOutput().closeTimeout()).as("half the phase, below the 10s default")
                        .isEqualTo(Duration.ofSeconds(2)));
    }

    @Test
    void backsOffWithoutTheCore() {
        runner.withClassLoader(new FilteredClassLoader(ReplicationConnection.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ReplicationConnectionRegistry.class));
    }

    @Test
    void eachConnectionIsABeanNamedAfterIt() {
        runner.withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app:s3cret-Pw@db.example:5433/shop",
                        ORDERS + "publications=orders_pub", ORDERS + "auto-startup=false")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ReplicationConnection.class)
                            .hasBean("ordersReplicationConnection");
                    ManagedReplicationConnection orders = context.getBean(ReplicationConnectionRegistry.class).connection("orders");
                    assertThat(context.getBean("ordersReplicationConnection")).isSameAs(orders.connection());
                    ConnectionConfig config = orders.settings().config();
                    assertThat(config.name()).isEqualTo("orders");
                    assertThat(config.host()).isEqualTo("db.example");
                    assertThat(config.port()).isEqualTo(5433);
                    assertThat(config.database()).isEqualTo("shop");
                    assertThat(config.user()).isEqualTo("app");
                    assertThat(config.password()).isEqualTo("s3cret-Pw");
                    assertThat(config.syncConnect()).as("an application starts while the database is down").isFalse();
                    assertThat(config.autoReconnect()).isTrue();
                    assertThat(orders.isStarted()).isFalse();
                });
    }

    @Test
    void aHostListAndAFailoverSlotReachTheConnection() {
        runner.withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app@db1:5432,db2:5433/shop?target_session_attrs=read-write",
                        ORDERS + "publications=orders_pub", ORDERS + "auto-startup=false", ORDERS + "failover=true")
                .run(context -> {
                    ManagedReplicationConnection orders = context.getBean(ReplicationConnectionRegistry.class).connection("orders");
                    ConnectionConfig config = orders.settings().config();
                    assertThat(config.endpoints()).containsExactly(new Endpoint("db1", 5432), new Endpoint("db2", 5433));
                    assertThat(config.targetSessionAttrs()).isEqualTo(TargetSessionAttrs.READ_WRITE);
                    assertThat(orders.settings().pgOutput().failover()).isTrue();
                });
    }

    @Test
    void snapshotPropertiesReachTheHandler() {
        runner.withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                        ORDERS + "auto-startup=false", ORDERS + "create-slot=true", ORDERS + "snapshot.mode=initial-only",
                        ORDERS + "snapshot.tables=public.orders,lines", ORDERS + "snapshot.parallelism=4",
                        ORDERS + "snapshot.chunk-size=1000", ORDERS + "snapshot.new-tables=1m")
                .run(context -> assertThat(context.getBean(ReplicationConnectionRegistry.class).connection("orders")
                        .settings().pgOutput().snapshot()).isEqualTo(SnapshotOptions.defaults()
                        .mode(SnapshotMode.INITIAL_ONLY).tables(List.of("public.orders", "lines")).parallelism(4)
                        .chunkSize(1000).newTablesInterval(Duration.ofMinutes(1))));
    }

    @Test
    void requireAuthAndSystemRootCertificatesReachTheConnection() {
        runner.withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                        ORDERS + "auto-startup=false", ORDERS + "ssl.require-auth=!password,!md5", ORDERS + "ssl.root-cert=system")
                .run(context -> {
                    ConnectionConfig config = context.getBean(ReplicationConnectionRegistry.class).connection("orders")
                            .settings().config();
                    assertThat(config.requireAuth()).isEqualTo("!password,!md5");
                    assertThat(config.sslRootCert()).isEqualTo(ConnectionConfig.SSL_ROOT_CERT_SYSTEM);
                    assertThat(config.sslMode()).isEqualTo(SslMode.VERIFY_FULL);
                });
    }

    @Test
    void aChangeListenerGetsAPgOutputHandlerWithTheConnectionsSlotAndPublications() {
        runner.withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub,audit_pub",
                        ORDERS + "auto-startup=false")
                .run(context -> {
                    ManagedReplicationConnection orders = context.getBean(ReplicationConnectionRegistry.class).connection("orders");
                    PgOutputHandler handler = orders.pgOutputHandler().orElseThrow();
                    assertThat(handler.slot()).isEqualTo("pgrepl_orders");
                    assertThat(handler.publications()).containsExactly("orders_pub", "audit_pub");
                    assertThat(orders.listenerBeanName()).contains("ordersListener");
                });
    }

    @Test
    void aReplicationHandlerIsUsedAsIs() {
        runner.withUserConfiguration(TestListeners.OrdersHandlerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "auto-startup=false")
                .run(context -> {
                    ManagedReplicationConnection orders = context.getBean(ReplicationConnectionRegistry.class).connection("orders");
                    assertThat(orders.pgOutputHandler()).isEmpty();
                    assertThat(orders.slot()).isNull();
                    assertThat(orders.listenerBeanName()).contains("ordersHandler");
                });
    }

    @Test
    void propertiesReachTheConnection() {
        runner.withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .withPropertyValues(ORDERS + "url=jdbc:postgresql://db:5432/shop?sslmode=disable", ORDERS + "username=app",
                        ORDERS + "password=pw", ORDERS + "slot=orders_slot", ORDERS + "publications=orders_pub",
                        ORDERS + "ssl.mode=verify-full", ORDERS + "connect-timeout=3s", ORDERS + "reconnect.min-backoff=200ms",
                        ORDERS + "reconnect.max-backoff=5s", ORDERS + "application-name=orders-app",
                        ORDERS + "auto-startup=false")
                .run(context -> {
                    ManagedReplicationConnection orders = context.getBean(ReplicationConnectionRegistry.class).connection("orders");
                    ConnectionConfig config = orders.settings().config();
                    assertThat(config.user()).isEqualTo("app");
                    assertThat(config.sslMode()).as("the property beats the URL").isEqualTo(SslMode.VERIFY_FULL);
                    assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(config.reconnectBackoffMin()).isEqualTo(Duration.ofMillis(200));
                    assertThat(config.reconnectBackoffMax()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(config.applicationName()).isEqualTo("orders-app");
                    assertThat(orders.slot()).isEqualTo("orders_slot");
                    assertThat(orders.settings().pgOutput().maxMessages()).isEqualTo(500);
                    assertThat(orders.settings().pgOutput().queueCapacity()).isEqualTo(10_000);
                    assertThat(orders.settings().pgOutput().queueMaxBytes()).isEqualTo(64L * 1024 * 1024);
                });
    }

    @Test
    void customizersReachWhatThePropertiesDoNotAndCannotUnsetWhatTheRegistryNeeds() {
        List<String> called = new ArrayList<>();
        runner.withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .withBean("first", ReplicationConnectionCustomizer.class, () -> (name, connection) -> {
                    called.add("connection " + name);
                    connection.maxMessageSize(256 * 1024 * 1024).queryTimeout(Duration.ofMinutes(2)).syncConnect(true);
                })
                .withBean(PgOutputHandlerCustomizer.class, () -> (name, handler) -> {
                    called.add("handler " + name);
                    handler.slot("customized_slot");
                })
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                        ORDERS + "slot=from_properties", ORDERS + "auto-startup=false")
                .run(context -> {
                    ManagedReplicationConnection orders = context.getBean(ReplicationConnectionRegistry.class).connection("orders");
                    ConnectionConfig config = orders.settings().config();
                    assertThat(config.maxMessageSize()).isEqualTo(256 * 1024 * 1024);
                    assertThat(config.queryTimeout()).isEqualTo(Duration.ofMinutes(2));
                    assertThat(config.syncConnect()).as("the registry's").isFalse();
                    assertThat(orders.slot()).as("after the properties").isEqualTo("customized_slot");
                    assertThat(called).containsExactly("connection orders", "handler orders");
                });
    }

    @Test
    void connectionsRunOnTheirOwnEventLoopUnlessTheGroupIsShared() {
        runner.withUserConfiguration(TestListeners.OrdersHandlerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "auto-startup=false")
                .run(context -> {
                    assertThat(context).doesNotHaveBean(PgReplAutoConfiguration.EVENT_LOOP_GROUP_BEAN);
                    assertThat(context.getBean(ReplicationConnectionRegistry.class).connection("orders").settings().config()
                            .eventLoopGroup()).isNull();
                });
        runner.withUserConfiguration(TestListeners.OrdersHandlerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "auto-startup=false",
                        "pgrepl.event-loop.shared=true", "pgrepl.event-loop.threads=2")
                .run(context -> {
                    EventLoopGroup group = context.getBean(PgReplAutoConfiguration.EVENT_LOOP_GROUP_BEAN, EventLoopGroup.class);
                    assertThat(group).isInstanceOf(MultiThreadIoEventLoopGroup.class);
                    assertThat(((MultiThreadIoEventLoopGroup) group).executorCount()).isEqualTo(2);
                    assertThat(context.getBean(ReplicationConnectionRegistry.class).connection("orders").settings().config()
                            .eventLoopGroup()).isSameAs(group);
                });
    }

    @Test
    void anApplicationsEventLoopGroupOfThatNameIsUsed() {
        EventLoopGroup mine = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            runner.withUserConfiguration(TestListeners.OrdersHandlerConfiguration.class)
                    .withBean(PgReplAutoConfiguration.EVENT_LOOP_GROUP_BEAN, EventLoopGroup.class, () -> mine,
                            definition -> definition.setDestroyMethodName(""))
                    .withBean("anotherGroup", EventLoopGroup.class, () -> mine, definition -> definition.setDestroyMethodName(""))
                    .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "auto-startup=false")
                    .run(context -> assertThat(context.getBean(ReplicationConnectionRegistry.class).connection("orders")
                            .settings().config().eventLoopGroup()).isSameAs(mine));
        } finally {
            mine.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void listenerThreadsArePlatformThreadsOfTheCoreUnlessVirtualThreadsAreOn() throws Exception {
        MockEnvironment platform = new MockEnvironment();
        assertThat(PgReplAutoConfiguration.listenerThreads(platform).apply("orders")).isNull();
        MockEnvironment virtual = new MockEnvironment().withProperty("spring.threads.virtual.enabled", "true");
        ThreadFactory threads = PgReplAutoConfiguration.listenerThreads(virtual).apply("orders");
        if (Runtime.version().feature() < 21) {
            assertThat(threads).as("Spring Boot turns virtual threads on from Java 21").isNull();
        } else {
            Thread thread = threads.newThread(() -> { });
            assertThat(Thread.class.getMethod("isVirtual").invoke(thread)).isEqualTo(true); // Java 21 API, built for 17
        }
    }

    @Test
    void secretsStayOutOfToString() {
        runner.withUserConfiguration(TestListeners.OrdersHandlerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app:url-secret@db/shop", ORDERS + "password=prop-secret",
                        ORDERS + "auto-startup=false")
                .run(context -> {
                    String described = context.getBean(PgReplProperties.class) + " "
                            + context.getBean(ReplicationConnectionRegistry.class).connection("orders").settings()
                            + " " + context.getBean("ordersReplicationConnection");
                    assertThat(described).contains("orders").doesNotContain("url-secret").doesNotContain("prop-secret");
                });
    }

    @Test
    void aUserDefinedRegistryWins() {
        runner.withUserConfiguration(UserRegistryConfiguration.class)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ReplicationConnectionRegistry.class);
                    assertThat(context.getBean(ReplicationConnectionRegistry.class))
                            .isSameAs(context.getBean(UserRegistryConfiguration.class).registry);
                });
    }

    @Test
    void aUserDefinedConnectionBeanOfAConfiguredNameIsRefusedRatherThanBeingASecondConnection() {
        runner.withUserConfiguration(UserConnectionConfiguration.class, TestListeners.OrdersHandlerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "auto-startup=false")
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = FailureAnalyses.analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders'")
                            .contains("the application defines a bean of that name")
                            .contains("two connections for one name");
                    assertThat(analysis.getAction()).contains("Remove the bean")
                            .contains("remove the pgrepl.connections.orders.* properties");
                });
    }

    @Test
    void aUserConnectionBeanIsLeftAloneWhenNoConnectionOfItsNameIsConfigured() {
        runner.withUserConfiguration(UserConnectionConfiguration.class)
                .run(context -> assertThat(context).hasNotFailed().hasBean("ordersReplicationConnection"));
    }

    @Test
    void connectionBeanDefinitionsNameAFactoryMethodRatherThanAnInstanceSupplier() {
        runner.withUserConfiguration(TestListeners.OrdersListenerConfiguration.class)
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                        ORDERS + "auto-startup=false")
                .run(context -> {
                    RootBeanDefinition definition = (RootBeanDefinition) context.getBeanFactory()
                            .getMergedBeanDefinition("ordersReplicationConnection");
                    assertThat(definition.getInstanceSupplier()).as("AOT cannot generate an instance supplier").isNull();
                    assertThat(definition.getFactoryMethodName()).isEqualTo("replicationConnection");
                    assertThat(definition.getConstructorArgumentValues().getIndexedArgumentValue(0, String.class).getValue())
                            .isEqualTo("orders");
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class UserRegistryConfiguration {
        final ReplicationConnectionRegistry registry = new ReplicationConnectionRegistry(List.of());

        @Bean
        ReplicationConnectionRegistry myRegistry() {
            return registry;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserConnectionConfiguration {
        @Bean(destroyMethod = "close")
        ReplicationConnection ordersReplicationConnection() {
            return ReplicationConnection.create(ConnectionConfig.builder().user("app").build(),
                    new io.github.pgrepl.ReplicationHandler() { });
        }
    }
}
