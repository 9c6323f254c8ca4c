package io.github.pgrepl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.listener.ReplicationListener;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Where each connection connects: a details bean qualified with its name, else its own URL, else the one unqualified
 * details bean (a service connection), else Spring Boot's JdbcConnectionDetails; and who it connects as when its URL
 * names nobody. Nothing connects (auto-startup is off).
 */
class ConnectionTargetsTest {

    private static final String ORDERS = "pgrepl.connections.orders.";
    private static final String AUDIT = "pgrepl.connections.audit.";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgReplAutoConfiguration.class, ReplicationListenerAutoConfiguration.class))
            .withUserConfiguration(Handlers.class)
            .withPropertyValues(ORDERS + "auto-startup=false", AUDIT + "auto-startup=false");

    @Test
    void aConnectionWithoutUrlTakesTheJdbcConnectionDetails() {
        runner.withBean(JdbcConnectionDetails.class, () -> jdbc("jdbc:postgresql://ds-host:6543/app", "ds_user", "ds-secret"))
                .withPropertyValues(AUDIT + "url=postgresql://audit@audit-db/audit")
                .run(context -> {
                    ConnectionConfig orders = config(context, "orders");
                    assertThat(orders.host()).isEqualTo("ds-host");
                    assertThat(orders.port()).isEqualTo(6543);
                    assertThat(orders.database()).isEqualTo("app");
                    assertThat(orders.user()).isEqualTo("ds_user");
                    assertThat(orders.password()).isEqualTo("ds-secret");
                    assertThat(config(context, "audit").host()).as("its own URL").isEqualTo("audit-db");
                });
    }

    @Test
    void springDatasourcePropertiesReachConnectionsThroughBootsJdbcAutoConfiguration() {
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=jdbc:postgresql://ds-host:6543/app",
                        "spring.datasource.username=ds_user", "spring.datasource.password=ds-secret",
                        // a DataSource type that does not connect when created: Boot's JDBC configuration runs as with a pool
                        "spring.datasource.type=org.springframework.jdbc.datasource.SimpleDriverDataSource")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(JdbcConnectionDetails.class);
                    ConnectionConfig orders = config(context, "orders");
                    assertThat(orders.host()).isEqualTo("ds-host");
                    assertThat(orders.user()).isEqualTo("ds_user");
                    assertThat(orders.password()).isEqualTo("ds-secret");
                });
    }

    @Test
    void withoutSpringBootJdbcOnlyAUrlOrADetailsBeanWill() {
        runner.withClassLoader(new FilteredClassLoader(JdbcConnectionDetails.class))
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", AUDIT + "url=postgresql://app@db/audit")
                .run(context -> assertThat(config(context, "orders").host()).isEqualTo("db"));
        runner.withClassLoader(new FilteredClassLoader(JdbcConnectionDetails.class))
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop")
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = FailureAnalyses.analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("'pgrepl.connections.audit.url'")
                            .contains("nothing to fall back on");
                    assertThat(analysis.getAction()).contains("Set pgrepl.connections.audit.url")
                            .contains("spring.datasource.*");
                });
    }

    @Test
    void jdbcConnectionDetailsWithoutAUrlAreNoFallback() {
        JdbcConnectionDetails noUrl = new JdbcConnectionDetails() {
            @Override
            public String getUsername() {
                return "sa";
            }

            @Override
            public String getPassword() {
                return null;
            }

            @Override
            public String getJdbcUrl() {
                throw new IllegalStateException("Failed to determine a suitable driver class"); // as Boot's does then
            }
        };
        runner.withBean(JdbcConnectionDetails.class, () -> noUrl).run(context -> {
            assertThat(context).hasFailed();
            assertThat(FailureAnalyses.analyze(context.getStartupFailure()).getDescription())
                    .contains("'pgrepl.connections.orders.url' is invalid: is not set, and there is nothing to fall back on");
        });
    }

    @Test
    void anUnqualifiedDetailsBeanIsWhereConnectionsWithoutUrlConnectAheadOfJdbc() {
        runner.withBean(JdbcConnectionDetails.class, () -> jdbc("jdbc:postgresql://ds-host/app", "ds_user", "ds"))
                .withBean("postgresContainer", ReplicationConnectionDetails.class,
                        () -> details("postgresql://container:32768/test", "test", "test-pw"))
                .withPropertyValues(AUDIT + "url=postgresql://audit@audit-db/audit")
                .run(context -> {
                    ConnectionConfig orders = config(context, "orders");
                    assertThat(orders.host()).isEqualTo("container");
                    assertThat(orders.port()).isEqualTo(32768);
                    assertThat(orders.user()).isEqualTo("test");
                    assertThat(orders.password()).isEqualTo("test-pw");
                    ConnectionConfig audit = config(context, "audit");
                    assertThat(audit.host()).as("one bean no longer overrides every connection").isEqualTo("audit-db");
                    assertThat(audit.user()).isEqualTo("audit");
                });
    }

    @Test
    void aDetailsBeanQualifiedWithAConnectionsNameIsThatConnectionsAloneAndWinsOverItsProperties() {
        runner.withUserConfiguration(QualifiedDetails.class)
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "username=app",
                        AUDIT + "url=postgresql://audit@audit-db/audit")
                .run(context -> {
                    ConnectionConfig orders = config(context, "orders");
                    assertThat(orders.host()).isEqualTo("orders-host");
                    assertThat(orders.user()).isEqualTo("orders_user");
                    assertThat(config(context, "audit").host()).isEqualTo("audit-db");
                });
    }

    @Test
    void aDetailsBeanNamedAfterAConnectionIsThatConnectionsAlone() {
        runner.withBean("audit", ReplicationConnectionDetails.class, () -> details("postgresql://audit-host/a", "a", null))
                .withPropertyValues(ORDERS + "url=postgresql://app@db/shop")
                .run(context -> {
                    assertThat(config(context, "audit").host()).isEqualTo("audit-host");
                    assertThat(config(context, "orders").host()).as("not a fallback for the others").isEqualTo("db");
                });
    }

    @Test
    void withAUrlThatNamesNobodyTheUserAndItsPasswordFallBack() {
        runner.withBean(JdbcConnectionDetails.class, () -> jdbc("jdbc:postgresql://ds-host/app", "ds_user", "ds-secret"))
                .withPropertyValues(ORDERS + "url=postgresql://db/shop", AUDIT + "url=postgresql://db/audit")
                .run(context -> {
                    ConnectionConfig orders = config(context, "orders");
                    assertThat(orders.host()).isEqualTo("db");
                    assertThat(orders.user()).isEqualTo("ds_user");
                    assertThat(orders.password()).isEqualTo("ds-secret");
                });
    }

    @Test
    void thePasswordFallsBackOnlyForTheRoleItBelongsTo() {
        runner.withBean(JdbcConnectionDetails.class, () -> jdbc("jdbc:postgresql://ds-host/app", "ds_user", "ds-secret"))
                .withPropertyValues(ORDERS + "url=postgresql://db/shop", ORDERS + "username=replicator",
                        AUDIT + "url=postgresql://auditor@db/audit")
                .run(context -> {
                    ConnectionConfig orders = config(context, "orders");
                    assertThat(orders.user()).isEqualTo("replicator");
                    assertThat(orders.password()).as("another role's password").isNull();
                    ConnectionConfig audit = config(context, "audit");
                    assertThat(audit.user()).as("the URL's user wins over the fallback's").isEqualTo("auditor");
                    assertThat(audit.password()).isNull();
                });
    }

    @Test
    void theUrlsOwnPasswordWins() {
        runner.withBean(JdbcConnectionDetails.class, () -> jdbc("jdbc:postgresql://ds-host/app", "ds_user", "ds-secret"))
                .withPropertyValues(ORDERS + "url=postgresql://ds_user:url-secret@db/shop",
                        AUDIT + "url=postgresql://db/audit", AUDIT + "password=prop-secret")
                .run(context -> {
                    assertThat(config(context, "orders").password()).isEqualTo("url-secret");
                    ConnectionConfig audit = config(context, "audit");
                    assertThat(audit.user()).isEqualTo("ds_user");
                    assertThat(audit.password()).isEqualTo("prop-secret");
                });
    }

    @Test
    void twoDetailsBeansForEveryConnectionAreRefused() {
        runner.withBean("one", ReplicationConnectionDetails.class, () -> details("postgresql://a/x", "a", null))
                .withBean("two", ReplicationConnectionDetails.class, () -> details("postgresql://b/x", "b", null))
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = FailureAnalyses.analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("[one, two]");
                    assertThat(analysis.getAction()).contains("@Qualifier(\"<name>\")");
                });
    }

    @Test
    void twoDetailsBeansForOneConnectionAreRefused() {
        runner.withUserConfiguration(QualifiedDetails.class)
                .withBean("orders", ReplicationConnectionDetails.class, () -> details("postgresql://b/x", "b", null))
                .withPropertyValues(AUDIT + "url=postgresql://audit@audit-db/audit")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(FailureAnalyses.analyze(context.getStartupFailure()).getDescription())
                            .contains("more than one ReplicationConnectionDetails bean qualified 'orders'");
                });
    }

    @Test
    void aFallbackThatIsNotPostgresNamesWhereItComesFrom() {
        runner.withBean(JdbcConnectionDetails.class, () -> jdbc("jdbc:h2:mem:test", "sa", "h2-secret"))
                .withPropertyValues(AUDIT + "url=postgresql://audit@audit-db/audit")
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = FailureAnalyses.analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("(the default of pgrepl.connections.orders.url)")
                            .contains("must start with postgresql://").doesNotContain("h2-secret");
                });
    }

    private static ConnectionConfig config(AssertableApplicationContext context, String name) {
        assertThat(context).hasNotFailed();
        return context.getBean(ReplicationConnectionRegistry.class).connection(name).settings().config();
    }

    static JdbcConnectionDetails jdbc(String url, String username, String password) {
        return new JdbcConnectionDetails() {
            @Override
            public String getUsername() {
                return username;
            }

            @Override
            public String getPassword() {
                return password;
            }

            @Override
            public String getJdbcUrl() {
                return url;
            }
        };
    }

    static ReplicationConnectionDetails details(String url, String username, String password) {
        return new ReplicationConnectionDetails() {
            @Override
            public String getUrl() {
                return url;
            }

            @Override
            public String getUsername() {
                return username;
            }

            @Override
            public String getPassword() {
                return password;
            }
        };
    }

    @Configuration(proxyBeanMethods = false)
    static class QualifiedDetails {
        @Bean
        @Qualifier("orders")
        ReplicationConnectionDetails ordersDetails() {
            return details("postgresql://orders-host:5433/orders", "orders_user", "orders-pw");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Handlers {
        @Bean
        OrdersHandler ordersHandler() {
            return new OrdersHandler();
        }

        @Bean
        AuditHandler auditHandler() {
            return new AuditHandler();
        }
    }

    @ReplicationListener("orders")
    static class OrdersHandler implements ReplicationHandler {
    }

    @ReplicationListener("audit")
    static class AuditHandler implements ReplicationHandler {
    }
}
