package io.github.pgrepl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.spring.TestListeners;
import io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration;

import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * Every way the configuration can be wrong fails startup with a description that names the property or the beans
 * and says what to do, and never shows a password.
 */
class StartupFailureAnalysisTest {

    private static final String ORDERS = "pgrepl.connections.orders.";
    private static final String SECRET = "Sup3r-S3cret";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgReplAutoConfiguration.class, ReplicationListenerAutoConfiguration.class))
            .withUserConfiguration(TestListeners.OrdersListenerConfiguration.class);

    @Test
    void malformedUrl() {
        assertFailure(List.of(ORDERS + "url=mysql://app:" + SECRET + "@db/shop"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.url'")
                    .contains("must start with postgresql:// or jdbc:postgresql://");
            assertThat(analysis.getAction()).contains("postgresql://host:5432/database");
        });
    }

    @Test
    void aMisspeltSslModeInTheUrlIsToldWithTheValidModesNotAsAWrongForm() {
        assertFailure(List.of(ORDERS + "url=postgresql://app:" + SECRET + "@db/shop?sslmode=requre"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.url'")
                    .contains("Unknown sslmode 'requre': use one of disable, allow, prefer, require, verify-ca, verify-full");
            assertThat(analysis.getAction()).startsWith("Correct what the description names");
        });
    }

    @Test
    void unknownUrlParameterKeepsThePasswordMasked() {
        assertFailure(List.of(ORDERS + "url=postgresql://db/shop?password=" + SECRET + "&sslmod=require"),
                analysis -> assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.url'")
                        .contains("unknown parameter 'sslmod'"));
    }

    @Test
    void aMisspeltKeyIsNamedWithTheKeyMeantAndNeverItsValue() {
        // Spring Boot would drop it in silence: the connection would then fail to authenticate, saying nothing of why.
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                ORDERS + "pasword=" + SECRET, ORDERS + "listener.max-atempts=5"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.listener.max-atempts' is invalid")
                    .contains("is not a property of a replication connection")
                    .contains("nor are pgrepl.connections.orders.pasword");
            assertThat(analysis.getAction())
                    .contains("pgrepl.connections.orders.listener.max-attempts (not pgrepl.connections.orders.listener.max-atempts)")
                    .contains("pgrepl.connections.orders.password (not pgrepl.connections.orders.pasword)");
        });
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publication=orders_pub"),
                analysis -> assertThat(analysis.getAction()).contains("Did you mean pgrepl.connections.orders.publications"));
    }

    @Test
    void theKafkaRelaysKeysWithoutItsModuleAreRefusedNamingTheDependency() {
        // pgrepl-kafka checks these keys where it is on the classpath (PgReplKafkaAutoConfigurationTest); here it is not,
        // and the relay they ask for would not exist.
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                ORDERS + "kafka.enabled=true", ORDERS + "kafka.topics[public.audit]=audit"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.kafka.enabled' is invalid")
                    .contains("pgrepl-kafka is not on the classpath");
            assertThat(analysis.getAction()).contains("io.github.pgrepl:pgrepl-kafka");
        });
    }

    @Test
    void aDurationWithoutAUnitIsRefusedRatherThanReadAsMilliseconds() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                ORDERS + "connect-timeout=10", ORDERS + "listener.close-timeout=20"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.connect-timeout' is invalid: is 10"
                    + " without a unit, which Spring Boot reads as 10 milliseconds")
                    .contains("so are pgrepl.connections.orders.listener.close-timeout");
            assertThat(analysis.getAction()).contains("10s for seconds, 10ms for milliseconds");
        });
    }

    @Test
    void durationsWithUnitsAndABareZeroPass() {
        runner.withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                ORDERS + "auto-startup=false", ORDERS + "connect-timeout=10s", ORDERS + "silence-timeout=0",
                ORDERS + "min-read-interval=5ms", ORDERS + "listener.close-timeout=PT20S")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void unknownSslModeIsTheBindersError() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "ssl.mode=verify-everything"), analysis -> {
            assertThat(analysis.getDescription()).contains("pgrepl.connections.orders.ssl.mode").contains("verify-everything");
            assertThat(analysis.getAction()).contains("VERIFY_CA").contains("VERIFY_FULL");
        });
    }

    @Test
    void unknownRecovererAndAvailabilityAreTheBindersErrors() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "listener.recoverer=ignore"), analysis -> {
            assertThat(analysis.getDescription()).contains("pgrepl.connections.orders.listener.recoverer").contains("ignore");
            assertThat(analysis.getAction()).contains("DEAD_LETTER");
        });
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "availability=startup"),
                analysis -> assertThat(analysis.getAction()).contains("READINESS").contains("LIVENESS"));
    }

    @Test
    void everyBadValueAtOnceWithWhereItWasSet() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "slot=Bad-Slot",
                ORDERS + "listener.queue-capacity=1", ORDERS + "reconnect.min-backoff=0s"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.slot' is invalid")
                    .contains("'pgrepl.connections.orders.listener.queue-capacity' is invalid")
                    .contains("'pgrepl.connections.orders.reconnect.min-backoff' is invalid: is zero")
                    .contains("(set in \"pgrepl.connections.orders.slot\" from property source");
            assertThat(analysis.getAction()).contains("pgrepl.connections.orders.slot: Set pgrepl.connections.orders.slot to")
                    .contains("pgrepl.connections.orders.listener.queue-capacity: Set it to 2 or more.");
        });
    }

    @Test
    void aFailoverSlotCannotBeTemporary() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                ORDERS + "failover=true", ORDERS + "temporary-slot=true"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.failover' is invalid")
                    .contains("a temporary slot ends with its session");
            assertThat(analysis.getAction()).isEqualTo("Set pgrepl.connections.orders.failover or"
                    + " pgrepl.connections.orders.temporary-slot to false.");
        });
    }

    @Test
    void anInitialSnapshotNeedsASlotPgreplCreates() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                ORDERS + "snapshot.mode=initial"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.snapshot.mode' is invalid")
                    .contains("create-slot is false");
            assertThat(analysis.getAction()).contains("Set pgrepl.connections.orders.create-slot to true");
        });
    }

    @Test
    void snapshotReadingOutOfRange() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                ORDERS + "snapshot.chunk-size=0", ORDERS + "snapshot.parallelism=65", ORDERS + "snapshot.new-tables=10ms",
                ORDERS + "snapshot.tables=orders,"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.snapshot.chunk-size' is invalid")
                    .contains("1 to 1000000")
                    .contains("'pgrepl.connections.orders.snapshot.parallelism' is invalid")
                    .contains("'pgrepl.connections.orders.snapshot.new-tables' is invalid")
                    .contains("'pgrepl.connections.orders.snapshot.tables' is invalid");
            assertThat(analysis.getAction()).contains("pgrepl.connections.orders.snapshot.parallelism: Set it to 1 to 64.")
                    .contains("at least 100ms");
        });
    }

    @Test
    void aClientCertificateWithoutKey() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "ssl.cert=pom.xml"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.ssl.cert' is invalid: is set, but"
                    + " ssl.key is not");
            assertThat(analysis.getAction()).contains("pgrepl.connections.orders.ssl.key");
        });
    }

    @Test
    void anSslBundleAndPemFiles() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "ssl.bundle=db", ORDERS + "ssl.root-cert=pom.xml"),
                analysis -> assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.ssl.bundle'"));
    }

    @Test
    void unknownRequireAuthMethod() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "ssl.require-auth=scram-sha-256,kerberos"),
                analysis -> {
                    assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.ssl.require-auth'")
                            .contains("invalid require_auth value: \"kerberos\"");
                    assertThat(analysis.getAction()).contains("!password,!md5");
                });
    }

    @Test
    void systemRootCertificatesWithAWeakMode() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "ssl.root-cert=system", ORDERS + "ssl.mode=require"),
                analysis -> assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.ssl'")
                        .contains("weak sslmode \"require\" may not be used with sslrootcert=system"));
    }

    @Test
    void negativeDuration() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "connect-timeout=-5s"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.connect-timeout'").contains("negative");
            assertThat(analysis.getAction()).contains("positive duration");
        });
    }

    @Test
    void negativeSilenceTimeout() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "silence-timeout=-1s"), analysis ->
                assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.silence-timeout'").contains("negative"));
    }

    @Test
    void readIntervalOverASecond() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "min-read-interval=5s"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.min-read-interval'").contains("outside 0 to 1s");
            assertThat(analysis.getAction()).contains("default 1ms");
        });
    }

    @Test
    void maximumBackoffBelowMinimum() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "reconnect.min-backoff=10s",
                ORDERS + "reconnect.max-backoff=1s"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.reconnect.max-backoff'");
            assertThat(analysis.getAction()).contains("at least 10s");
        });
    }

    @Test
    void emptySlot() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "slot="), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.slot'").contains("is empty");
            assertThat(analysis.getAction()).contains("lowercase letters, digits and underscores");
        });
    }

    @Test
    void illegalSlot() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "slot=Orders-Slot"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.slot'")
                    .contains("'Orders-Slot' is not a valid replication slot name");
            assertThat(analysis.getAction()).contains("e.g. pgrepl_orders");
        });
    }

    @Test
    void tooFewListenerQueueEvents() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "listener.queue-capacity=1"),
                analysis -> assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.listener.queue-capacity'"));
    }

    @Test
    void noUrlAndNoDatasource() {
        assertFailure(List.of(ORDERS + "slot=orders_slot"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.url'")
                    .contains("no spring.datasource.url");
            assertThat(analysis.getAction()).contains("Set pgrepl.connections.orders.url");
        });
    }

    @Test
    void noUser() {
        assertFailure(List.of(ORDERS + "url=postgresql://db/shop", ORDERS + "password=" + SECRET), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.username'");
            assertThat(analysis.getAction()).contains("REPLICATION");
        });
    }

    @Test
    void aChangeListenerNeedsPublications() {
        assertFailure(List.of(ORDERS + "url=postgresql://app:" + SECRET + "@db/shop"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.publications'")
                    .contains("'ordersListener'");
            assertThat(analysis.getAction()).contains("pgrepl.connections.orders.publications=");
        });
    }

    @Test
    void aMaxBackoffBelowTheRetryBackoff() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "listener.retry-backoff=5s",
                ORDERS + "listener.max-backoff=2s"), analysis -> {
            assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.listener.max-backoff'")
                    .contains("below listener.retry-backoff (5s)");
            assertThat(analysis.getAction()).contains("at least 5s");
        });
    }

    @Test
    void aDeadLetterTableThatIsNoPlainName() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "listener.dead-letter-table=x; DROP TABLE y"),
                analysis -> {
                    assertThat(analysis.getDescription()).contains("'pgrepl.connections.orders.listener.dead-letter-table'");
                    assertThat(analysis.getAction()).contains("table or schema.table");
                });
    }

    @Test
    void aTinyTransactionBound() {
        assertFailure(List.of(ORDERS + "url=postgresql://app@db/shop", ORDERS + "listener.transaction-max-bytes=10B"),
                analysis -> assertThat(analysis.getDescription())
                        .contains("'pgrepl.connections.orders.listener.transaction-max-bytes'").contains("below the minimum"));
    }

    @Test
    void theAnalyzersAreRegistered() {
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation()
                .load(FailureAnalyzer.class, (type, implementation, notInstantiable) -> { }))
                .extracting(analyzer -> analyzer.getClass().getName()).contains(
                        "io.github.pgrepl.spring.connection.InvalidReplicationPropertyFailureAnalyzer",
                        "io.github.pgrepl.spring.listener.ReplicationListenerFailureAnalyzer");
    }

    private void assertFailure(List<String> properties, Consumer<FailureAnalysis> expectations) {
        runner.withPropertyValues(properties.toArray(String[]::new)).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = FailureAnalyses.analyze(context.getStartupFailure());
            assertThat(analysis).as("a FailureAnalyzer explains %s", context.getStartupFailure()).isNotNull();
            assertThat(analysis.getDescription() + analysis.getAction()).doesNotContain(SECRET);
            expectations.accept(analysis);
        });
    }
}
