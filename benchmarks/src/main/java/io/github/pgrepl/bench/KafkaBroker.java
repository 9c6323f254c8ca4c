package io.github.pgrepl.bench;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The broker the Kafka relay writes to: one KRaft node (broker and controller) in the harness's JVM, which idles while
 * the consumers read, started only when {@code pgrepl-kafka} is among them. Its logs are kept a minute: every round
 * writes topics of its own.
 */
final class KafkaBroker {

    static final String BOOTSTRAP_VARIABLE = "PGREPL_BENCH_KAFKA";

    private static EmbeddedKafkaKraftBroker broker;

    private KafkaBroker() {
    }

    static synchronized void start() {
        broker = new EmbeddedKafkaKraftBroker(1, 3);
        broker.brokerProperty("log.retention.ms", "60000");
        broker.brokerProperty("log.retention.check.interval.ms", "30000");
        broker.brokerProperty("log.segment.bytes", "67108864");
        broker.afterPropertiesSet();
    }

    static synchronized String bootstrapServers() {
        return broker == null ? null : broker.getBrokersAsString();
    }

    /** In a consumer's JVM: the broker the harness started. */
    static String fromEnvironment() {
        String servers = System.getenv(BOOTSTRAP_VARIABLE);
        if (servers == null) {
            throw new IllegalStateException(BOOTSTRAP_VARIABLE + " is not set; the pgrepl-kafka consumer is started by the"
                    + " Harness, which starts the broker");
        }
        return servers;
    }

    static synchronized void stop() {
        if (broker != null) {
            broker.destroy();
            broker = null;
        }
    }
}
