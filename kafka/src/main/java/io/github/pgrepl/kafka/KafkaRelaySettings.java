package io.github.pgrepl.kafka;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a {@link KafkaRelay} publishes one connection's changes.
 *
 * @param connection the connection's name, for messages
 * @param topicPrefix put before {@code <schema>.<table>} to name a table's topic
 * @param topics topics of their own for some tables, by {@code schema.table} (or {@code table}, in any schema)
 * @param transactional whether each PostgreSQL transaction is one Kafka transaction
 * @param maxInFlightBytes most bytes of records sent and not yet acknowledged (in transactional mode: most bytes of one
 *     transaction's records, which are held until its commit); the relay waits for acknowledgements beyond it, and the
 *     connection pauses meanwhile
 * @param ackTimeout how long records may wait for an acknowledgement before the relay's health is DOWN (nothing is
 *     dropped meanwhile)
 * @param closeTimeout how long closing waits for the records in flight to be acknowledged
 */
public record KafkaRelaySettings(String connection, String topicPrefix, Map<String, String> topics, boolean transactional,
                                 long maxInFlightBytes, Duration ackTimeout, Duration closeTimeout) {

    /**
     * The relay's producer {@code batch.size} unless configured: a relay sends many small records, and larger batches
     * mean fewer requests for the broker to take (Kafka's default is 16 KB).
     */
    public static final int DEFAULT_BATCH_SIZE = 128 * 1024;

    /** The relay's producer {@code linger.ms} unless configured (Kafka 4's default). */
    public static final int DEFAULT_LINGER_MS = 5;

    /** Kafka's rule for topic names. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public KafkaRelaySettings {
        Objects.requireNonNull(connection, "connection");
        topicPrefix = topicPrefix == null ? "" : topicPrefix;
        topics = Map.copyOf(topics == null ? Map.of() : new LinkedHashMap<>(topics));
        Objects.requireNonNull(ackTimeout, "ackTimeout");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (maxInFlightBytes < 1) {
            throw new IllegalArgumentException("maxInFlightBytes must be positive, was " + maxInFlightBytes);
        }
    }

    /** Defaults: topics {@code <connection>.<schema>.<table>}, not transactional, 32 MB in flight. */
    public static KafkaRelaySettings of(String connection) {
        return new KafkaRelaySettings(connection, connection + ".", Map.of(), false, 32L * 1024 * 1024, Duration.ofSeconds(30),
                Duration.ofSeconds(5));
    }

    public KafkaRelaySettings withTopicPrefix(String prefix) {
        return new KafkaRelaySettings(connection, prefix, topics, transactional, maxInFlightBytes, ackTimeout, closeTimeout);
    }

    public KafkaRelaySettings withTopics(Map<String, String> tableTopics) {
        return new KafkaRelaySettings(connection, topicPrefix, tableTopics, transactional, maxInFlightBytes, ackTimeout,
                closeTimeout);
    }

    public KafkaRelaySettings withTransactional(boolean value) {
        return new KafkaRelaySettings(connection, topicPrefix, topics, value, maxInFlightBytes, ackTimeout, closeTimeout);
    }

    public KafkaRelaySettings withMaxInFlightBytes(long bytes) {
        return new KafkaRelaySettings(connection, topicPrefix, topics, transactional, bytes, ackTimeout, closeTimeout);
    }

    public KafkaRelaySettings withAckTimeout(Duration timeout) {
        return new KafkaRelaySettings(connection, topicPrefix, topics, transactional, maxInFlightBytes, timeout, closeTimeout);
    }

    public KafkaRelaySettings withCloseTimeout(Duration timeout) {
        return new KafkaRelaySettings(connection, topicPrefix, topics, transactional, maxInFlightBytes, ackTimeout, timeout);
    }

    /**
     * The topic of table {@code schema.table}: its own, else {@code <prefix><schema>.<table>}.
     *
     * @throws IllegalStateException when that is not a legal Kafka topic name (a table name with other characters than
     *     letters, digits, {@code . _ -}), naming the property that gives the table a topic of its own
     */
    public String topicFor(String schema, String table) {
        String qualified = schema + "." + table;
        String topic = topics.get(qualified);
        if (topic == null) {
            topic = topics.get(table);
        }
        if (topic == null) {
            topic = topicPrefix + qualified;
        }
        if (!isLegalTopic(topic)) {
            throw new IllegalStateException("Table " + qualified + " would go to topic '" + topic + "', which is not a legal"
                    + " Kafka topic name (1 to 249 letters, digits, '.', '_' and '-'): give the table a topic of its own with"
                    + " pgrepl.connections." + connection + ".kafka.topics[" + qualified + "]=<topic>");
        }
        return topic;
    }

    /** Whether {@code topic} is a legal Kafka topic name. */
    public static boolean isLegalTopic(String topic) {
        return TOPIC.matcher(topic).matches() && !topic.equals(".") && !topic.equals("..");
    }
}
