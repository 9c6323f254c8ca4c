package io.github.pgrepl.kafka.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.kafka.ChangeRecordMapper;
import io.github.pgrepl.kafka.JsonChangeRecordMapper;
import io.github.pgrepl.kafka.KafkaRelay;
import io.github.pgrepl.kafka.health.KafkaRelayHealthContributorAutoConfiguration;
import io.github.pgrepl.spring.autoconfigure.PgReplAutoConfiguration;
import io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;
import io.github.pgrepl.spring.listener.ReplicationListener;
import io.github.pgrepl.spring.listener.support.ChangeDispatcher;
import io.github.pgrepl.spring.listener.support.ReplicationListenerEndpointRegistry;

import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.util.ReflectionTestUtils;

/** Which relays the properties make, with what settings, and what they refuse; no broker is contacted. */
class PgReplKafkaAutoConfigurationTest {

    private static final String ORDERS = "pgrepl.connections.orders.";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgReplAutoConfiguration.class, ReplicationListenerAutoConfiguration.class,
                    JacksonAutoConfiguration.class, KafkaAutoConfiguration.class, PgReplKafkaAutoConfiguration.class,
                    KafkaRelayHealthContributorAutoConfiguration.class))
            .withPropertyValues(ORDERS + "url=postgresql://app@db/shop", ORDERS + "publications=orders_pub",
                    ORDERS + "auto-startup=false");

    static class Projection {
        @ReplicationListener("orders")
        void on(ChangeEvent event) {
        }
    }

    @Test
    void aConnectionWithKafkaEnabledGetsARelayThatListensToIt() {
        runner.withPropertyValues(ORDERS + "kafka.enabled=true").run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(KafkaRelay.class).hasBean("ordersKafkaRelay")
                    .hasBean("kafkaRelayHealthContributor");
            KafkaRelay relay = context.getBean(KafkaRelay.class);
            assertThat(relay.settings().topicFor("public", "orders")).isEqualTo("orders.public.orders");
            assertThat(relay.settings().transactional()).isFalse();
            ChangeDispatcher dispatcher = context.getBean(ReplicationListenerEndpointRegistry.class).getDispatcher("orders")
                    .orElseThrow();
            assertThat(dispatcher.listeners()).singleElement()
                    .satisfies(listener -> assertThat(listener.connectionListener()).isSameAs(relay));
            assertThat(dispatcher.onlyRawEvents()).as("committed transactions only").isFalse();
            assertThat(context.getBean("kafkaRelayHealthContributor", CompositeHealthContributor.class)
                    .getContributor("orders")).isNotNull();
            Map<String, Object> producer = producerConfig(relay);
            assertThat(producer).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                    .containsEntry("delivery.timeout.ms", Integer.MAX_VALUE).containsEntry("client.id", "pgrepl-orders");
        });
    }

    @Test
    void withoutKafkaEnabledThereIsNoRelay() {
        runner.withBean(Projection.class).withPropertyValues("pgrepl.connections.orders.kafka.topic-prefix=x.")
                .run(context -> assertThat(context).doesNotHaveBean(KafkaRelay.class));
    }

    @Test
    void withoutSpringKafkaTheAutoConfigurationBacksOff() {
        runner.withBean(Projection.class).withClassLoader(new FilteredClassLoader(KafkaTemplate.class))
                .withPropertyValues(ORDERS + "kafka.enabled=true")
                .run(context -> assertThat(context).doesNotHaveBean(KafkaRelay.class));
    }

    @Test
    void topicsPrefixAndTransactionsComeFromTheProperties() {
        runner.withPropertyValues(ORDERS + "kafka.enabled=true", ORDERS + "kafka.topic-prefix=cdc.",
                ORDERS + "kafka.topics[public.lines]=order-lines", ORDERS + "kafka.topics.audit=audit-log",
                ORDERS + "kafka.transactional=true", "spring.kafka.producer.client-id=shop").run(context -> {
            assertThat(context).hasNotFailed();
            KafkaRelay relay = context.getBean(KafkaRelay.class);
            assertThat(relay.settings().topicFor("public", "orders")).isEqualTo("cdc.public.orders");
            assertThat(relay.settings().topicFor("public", "lines")).isEqualTo("order-lines");
            assertThat(relay.settings().topicFor("ops", "audit")).isEqualTo("audit-log");
            assertThat(relay.settings().transactional()).isTrue();
            KafkaTemplate<?, ?> template = template(relay);
            assertThat(template.isTransactional()).isTrue();
            assertThat(template.getProducerFactory().getTransactionIdPrefix()).isEqualTo("pgrepl-orders-");
            assertThat(producerConfig(relay)).containsEntry("client.id", "shop-pgrepl-orders");
        });
    }

    @Test
    void twoTransactionalRelaysWithOneTransactionIdPrefixAreRefused() {
        String audit = "pgrepl.connections.audit.";
        ApplicationContextRunner two = runner.withPropertyValues(audit + "url=postgresql://app@db/shop",
                audit + "publications=audit_pub", audit + "auto-startup=false", ORDERS + "kafka.enabled=true",
                ORDERS + "kafka.transactional=true", audit + "kafka.enabled=true", audit + "kafka.transactional=true");
        two.withPropertyValues(ORDERS + "kafka.transaction-id-prefix=shop-", audit + "kafka.transaction-id-prefix=shop-")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(InvalidReplicationPropertyException.class)
                        .hasMessageContaining("transaction-id-prefix").hasMessageContaining("'shop-'")
                        .extracting("action").asString().contains("a prefix of its own"));
        two.withPropertyValues(ORDERS + "kafka.transaction-id-prefix=pgrepl-audit-").run(context -> assertThat(context)
                .getFailure().rootCause().isInstanceOf(InvalidReplicationPropertyException.class));
        two.run(context -> assertThat(context).hasNotFailed().getBeans(KafkaRelay.class).hasSize(2));
        two.withPropertyValues(ORDERS + "kafka.transaction-id-prefix=shop-", audit + "kafka.transaction-id-prefix=shop-",
                audit + "kafka.transactional=false").run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aTransactionalRelaysProducerThatCannotBeConstructedSaysWhyAtEveryAttempt() {
        // The keystore is not there (a secret not mounted yet, a certificate being rotated): each attempt fails
        // constructing the producer, before any connection, and keeps saying why. A suffix strategy with one suffix to
        // hand out (DefaultTransactionIdSuffixStrategy(1)) loses it at the first failure, and every later attempt fails
        // with NoProducerAvailableException, for good.
        String keystore = "/nonexistent/pgrepl-test-keystore.p12";
        runner.withPropertyValues(ORDERS + "kafka.enabled=true", ORDERS + "kafka.transactional=true",
                "spring.kafka.producer.properties.security.protocol=SSL",
                "spring.kafka.producer.properties.ssl.keystore.location=" + keystore,
                "spring.kafka.producer.properties.ssl.keystore.password=changeit").run(context -> {
            KafkaTemplate<byte[], byte[]> template = template(context.getBean(KafkaRelay.class));
            for (int attempt = 1; attempt <= 3; attempt++) {
                assertThatThrownBy(() -> template.executeInTransaction(operations -> null)).as("attempt %d", attempt)
                        .hasStackTraceContaining("Failed to load SSL keystore " + keystore);
            }
        });
    }

    @Test
    void aChangeRecordMapperBeanReplacesTheJsonEnvelope() {
        ChangeRecordMapper custom = (change, topic) -> new ProducerRecord<>(topic, new byte[] { 1 });
        runner.withBean(ChangeRecordMapper.class, () -> custom).withPropertyValues(ORDERS + "kafka.enabled=true")
                .run(context -> assertThat(ReflectionTestUtils.getField(context.getBean(KafkaRelay.class), "mapper"))
                        .isSameAs(custom));
        runner.withPropertyValues(ORDERS + "kafka.enabled=true").run(context -> assertThat(
                ReflectionTestUtils.getField(context.getBean(KafkaRelay.class), "mapper"))
                .isInstanceOf(JsonChangeRecordMapper.class));
    }

    @Test
    void anAcksSettingThatBreaksTheGuaranteeIsRefusedNamingTheProperty() {
        runner.withPropertyValues(ORDERS + "kafka.enabled=true", "spring.kafka.producer.acks=1").run(context ->
                assertThat(context).getFailure().rootCause().isInstanceOf(InvalidReplicationPropertyException.class)
                        .hasMessageContaining("spring.kafka.producer.acks")
                        .extracting("action").asString().contains("set it to all"));
        runner.withPropertyValues(ORDERS + "kafka.enabled=true",
                "spring.kafka.producer.properties.enable.idempotence=false").run(context ->
                assertThat(context).getFailure().rootCause().isInstanceOf(InvalidReplicationPropertyException.class)
                        .hasMessageContaining("enable.idempotence"));
    }

    @Test
    void aTimeoutThatIsNotPositiveIsRefusedWithTheDurationsAsWritten() {
        runner.withPropertyValues(ORDERS + "kafka.enabled=true", ORDERS + "kafka.ack-timeout=0s",
                ORDERS + "kafka.close-timeout=1500ms").run(context ->
                assertThat(context).getFailure().rootCause().isInstanceOf(InvalidReplicationPropertyException.class)
                        .hasMessageContaining("(ack-timeout 0s, close-timeout 1500ms)"));
    }

    @Test
    void aMisspeltRelayKeyIsRefusedNamingTheKeyMeant() {
        // Spring Boot would drop it in silence: kafka.enabeld=true, and the relay never starts.
        runner.withPropertyValues(ORDERS + "kafka.enabeld=true", ORDERS + "kafka.topic-prefix=cdc.").run(context -> {
            assertThat(context).getFailure().rootCause().isInstanceOf(InvalidReplicationPropertyException.class)
                    .hasMessageContaining("pgrepl.connections.orders.kafka.enabeld")
                    .hasMessageContaining("is not a property of a replication connection")
                    .extracting("action").asString()
                    .contains("Did you mean pgrepl.connections.orders.kafka.enabled (not pgrepl.connections.orders.kafka"
                            + ".enabeld)").contains("kafka.transactional");
        });
    }

    @Test
    void aRelayDurationWithoutAUnitIsRefused() {
        runner.withPropertyValues(ORDERS + "kafka.enabled=true", ORDERS + "kafka.ack-timeout=30").run(context ->
                assertThat(context).getFailure().rootCause().isInstanceOf(InvalidReplicationPropertyException.class)
                        .hasMessageContaining("pgrepl.connections.orders.kafka.ack-timeout")
                        .hasMessageContaining("is 30 without a unit"));
    }

    @Test
    void anIllegalTopicIsRefusedNamingTheProperty() {
        runner.withPropertyValues(ORDERS + "kafka.enabled=true", ORDERS + "kafka.topics[public.lines]=no spaces").run(context ->
                assertThat(context).getFailure().rootCause().isInstanceOf(InvalidReplicationPropertyException.class)
                        .hasMessageContaining("pgrepl.connections.orders.kafka.topics[public.lines]"));
        runner.withPropertyValues(ORDERS + "kafka.enabled=true", ORDERS + "kafka.topic-prefix=a/b").run(context ->
                assertThat(context).getFailure().rootCause().isInstanceOf(InvalidReplicationPropertyException.class)
                        .hasMessageContaining("topic-prefix"));
    }

    @SuppressWarnings("unchecked")
    private static KafkaTemplate<byte[], byte[]> template(KafkaRelay relay) {
        return (KafkaTemplate<byte[], byte[]>) ReflectionTestUtils.getField(relay, "template");
    }

    private static Map<String, Object> producerConfig(KafkaRelay relay) {
        return template(relay).getProducerFactory().getConfigurationProperties();
    }
}
