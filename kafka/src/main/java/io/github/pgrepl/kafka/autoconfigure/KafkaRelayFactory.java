package io.github.pgrepl.kafka.autoconfigure;

import io.github.pgrepl.internal.util.Durations;
import io.github.pgrepl.kafka.ChangeRecordMapper;
import io.github.pgrepl.kafka.KafkaRelay;
import io.github.pgrepl.kafka.KafkaRelaySettings;
import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.boot.kafka.autoconfigure.SslBundleSslEngineFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.TransactionIdSuffixStrategy;
import org.springframework.util.StringUtils;

/**
 * Builds each connection's {@link KafkaRelay}, with a producer of its own: Boot's {@code spring.kafka.*} producer
 * configuration (and its {@link KafkaConnectionDetails}), with the settings the relay's guarantee rests on: byte-array
 * serializers, {@code acks=all}, idempotence, and, unless configured, no {@code delivery.timeout.ms} to speak of (a broker
 * that is down is waited for, never given up on) and 128 KB batches; transactional, one {@code transactional.id}
 * ({@code <prefix>0}) for every producer, also after a failed Kafka transaction. Owns the producer factories it creates,
 * and closes them.
 */
public class KafkaRelayFactory implements DisposableBean {

    /**
     * Suffix {@code 0} for every transactional producer, never used up. spring-kafka closes a producer whose transaction
     * failed, and its default strategy gives the next one a new suffix: an id per failed attempt, each kept by the broker
     * for {@code transactional.id.expiration.ms} (7 days), and none of them fenced by a restarted application, whose
     * first producer is {@code <prefix>0}. Not {@code DefaultTransactionIdSuffixStrategy(1)}: it loses its one suffix
     * when a producer cannot even be constructed (spring-kafka 4.1 acquires it before, and releases it only when
     * {@code initTransactions()} fails), say while no bootstrap server resolves or the keystore is missing, and from
     * then on every attempt fails with {@code NoProducerAvailableException} instead of the cause. The relay has one Kafka
     * transaction at a time, on the listener thread under its send lock, so there is never a second producer to share
     * the id with; were there one, the newer would fence the older.
     */
    private static final TransactionIdSuffixStrategy ONE_TRANSACTIONAL_ID = new TransactionIdSuffixStrategy() {
        @Override
        public String acquireSuffix(String prefix) {
            return "0";
        }

        @Override
        public void releaseSuffix(String prefix, String suffix) {
        }
    };

    private final PgReplKafkaProperties properties;
    private final KafkaProperties kafka;
    private final KafkaConnectionDetails connectionDetails;
    private final Supplier<ChangeRecordMapper> mapper;
    private final List<DefaultKafkaProducerFactory<byte[], byte[]>> producerFactories = new ArrayList<>();

    /**
     * @param connectionDetails where the broker is, when a service connection says so; or {@code null}
     * @param mapper the record mapper, looked up when the first relay is built
     */
    public KafkaRelayFactory(PgReplKafkaProperties properties, KafkaProperties kafka, KafkaConnectionDetails connectionDetails,
                             Supplier<ChangeRecordMapper> mapper) {
        this.properties = properties;
        this.kafka = kafka;
        this.connectionDetails = connectionDetails;
        this.mapper = mapper;
    }

    /**
     * The relay of connection {@code name}.
     *
     * @throws InvalidReplicationPropertyException for properties that cannot work, naming the property and the fix
     */
    public KafkaRelay create(String name) {
        PgReplKafkaProperties.Connection connection = properties.connections().get(name);
        if (connection == null) {
            throw new IllegalStateException("No connection '" + name + "' under pgrepl.connections; configured: "
                    + properties.connections().keySet());
        }
        PgReplKafkaProperties.Kafka relay = connection.kafka();
        KafkaRelaySettings settings = settings(name, relay);
        DefaultKafkaProducerFactory<byte[], byte[]> producerFactory = new DefaultKafkaProducerFactory<>(
                producerProperties(name), new ByteArraySerializer(), new ByteArraySerializer());
        // The relay closes its producer when records are stuck behind a refused one, and at shutdown once it waited its
        // close timeout: by then what is still in flight is to be failed (and sent again later), not waited for.
        producerFactory.setPhysicalCloseTimeout(0);
        if (settings.transactional()) {
            producerFactory.setTransactionIdPrefix(transactionIdPrefix(name));
            producerFactory.setTransactionIdSuffixStrategy(ONE_TRANSACTIONAL_ID);
        }
        synchronized (producerFactories) {
            producerFactories.add(producerFactory);
        }
        KafkaTemplate<byte[], byte[]> template = new KafkaTemplate<>(producerFactory);
        // No record-by-record error log: the relay logs a refusal once, and when it sends records again, without the
        // rows (data, not log lines); a producer closed with thousands of records in it would log each.
        template.setProducerListener(null);
        return new KafkaRelay(settings, template, mapper.get());
    }

    /**
     * The connection's transactional.id prefix, refused when another transactional relay has the same: their producers,
     * one id each ({@code <prefix>0}), would fence each other at every transaction, and neither would relay.
     */
    private String transactionIdPrefix(String name) {
        String prefix = transactionIdPrefix(name, properties.connections().get(name).kafka());
        properties.connections().forEach((other, connection) -> {
            if (!other.equals(name) && connection.kafka().enabled() && connection.kafka().transactional()
                    && prefix.equals(transactionIdPrefix(other, connection.kafka()))) {
                throw new InvalidReplicationPropertyException("pgrepl.connections." + name + ".kafka.transaction-id-prefix",
                        "is '" + prefix + "', the same as connection '" + other + "''s: their transactional producers"
                        + " would fence each other", "Give each connection a prefix of its own (the default,"
                        + " pgrepl-<connection>-, is).");
            }
        });
        return prefix;
    }

    private static String transactionIdPrefix(String name, PgReplKafkaProperties.Kafka relay) {
        return StringUtils.hasText(relay.transactionIdPrefix()) ? relay.transactionIdPrefix() : "pgrepl-" + name + "-";
    }

    private static KafkaRelaySettings settings(String name, PgReplKafkaProperties.Kafka relay) {
        String property = "pgrepl.connections." + name + ".kafka.";
        String prefix = relay.topicPrefix() != null ? relay.topicPrefix() : name + ".";
        if (!prefix.isEmpty() && !KafkaRelaySettings.isLegalTopic(prefix + "t")) {
            throw new InvalidReplicationPropertyException(property + "topic-prefix", "is '" + prefix + "', which does not"
                    + " begin a legal Kafka topic name", "Use letters, digits, '.', '_' and '-' only"
                    + (relay.topicPrefix() == null ? " (the default is the connection's name and a dot: rename the"
                    + " connection, or set topic-prefix)" : "") + ".");
        }
        relay.topics().forEach((table, topic) -> {
            if (!KafkaRelaySettings.isLegalTopic(topic)) {
                throw new InvalidReplicationPropertyException(property + "topics[" + table + "]", "is '" + topic
                        + "', which is not a legal Kafka topic name", "Use 1 to 249 letters, digits, '.', '_' and '-'.");
            }
        });
        if (relay.maxInFlight().toBytes() < 1024) {
            throw new InvalidReplicationPropertyException(property + "max-in-flight", "is " + relay.maxInFlight()
                    + ", less than a record needs", "Use at least 1KB; the default is 32MB.");
        }
        if (relay.ackTimeout().isNegative() || relay.ackTimeout().isZero() || relay.closeTimeout().isNegative()) {
            throw new InvalidReplicationPropertyException(property + "ack-timeout", "and close-timeout must be positive"
                    + " (ack-timeout " + Durations.text(relay.ackTimeout()) + ", close-timeout "
                    + Durations.text(relay.closeTimeout()) + ")",
                    "Use durations such as 30s and 5s.");
        }
        return new KafkaRelaySettings(name, prefix, relay.topics(), relay.transactional(), relay.maxInFlight().toBytes(),
                relay.ackTimeout(), relay.closeTimeout());
    }

    private Map<String, Object> producerProperties(String name) {
        Map<String, Object> producer = kafka.buildProducerProperties();
        if (connectionDetails != null) {
            KafkaConnectionDetails.Configuration details = connectionDetails.getProducer();
            producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, details.getBootstrapServers());
            if (StringUtils.hasLength(details.getSecurityProtocol())) {
                producer.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, details.getSecurityProtocol());
            }
            SslBundle sslBundle = details.getSslBundle();
            if (sslBundle != null) {
                producer.put(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG, SslBundleSslEngineFactory.class);
                producer.put(SslBundle.class.getName(), sslBundle);
            }
        }
        Object acks = producer.get(ProducerConfig.ACKS_CONFIG);
        if (acks != null && !"all".equalsIgnoreCase(acks.toString()) && !"-1".equals(acks.toString())) {
            throw new InvalidReplicationPropertyException("spring.kafka.producer.acks", "is " + acks + ", but the Kafka"
                    + " relay of connection '" + name + "' confirms a transaction only once every in-sync replica has its"
                    + " records", "Remove spring.kafka.producer.acks, or set it to all.");
        }
        Object idempotence = producer.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG);
        if (idempotence != null && "false".equalsIgnoreCase(idempotence.toString())) {
            throw new InvalidReplicationPropertyException("spring.kafka.producer.properties.enable.idempotence", "is false,"
                    + " but the Kafka relay of connection '" + name + "' needs an idempotent producer: without it a retried"
                    + " send may overtake the next one and a row's changes arrive out of order",
                    "Remove the property, or set it to true.");
        }
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // A broker that is down pauses the stream for as long as it takes; the producer never gives a record up.
        producer.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        producer.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, KafkaRelaySettings.DEFAULT_BATCH_SIZE);
        producer.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, KafkaRelaySettings.DEFAULT_LINGER_MS);
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producer.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG); // the relay's own, when transactional
        Object clientId = producer.get(CommonClientConfigs.CLIENT_ID_CONFIG);
        producer.put(CommonClientConfigs.CLIENT_ID_CONFIG, (clientId != null ? clientId + "-" : "") + "pgrepl-" + name);
        return producer;
    }

    @Override
    public void destroy() {
        synchronized (producerFactories) {
            producerFactories.forEach(DefaultKafkaProducerFactory::destroy);
            producerFactories.clear();
        }
    }
}
