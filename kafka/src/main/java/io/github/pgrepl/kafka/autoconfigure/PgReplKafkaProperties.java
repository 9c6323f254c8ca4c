package io.github.pgrepl.kafka.autoconfigure;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.ConfigurationPropertiesSource;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The Kafka relay of each replication connection, under pgrepl.connections.<name>.kafka; the rest of each connection's
 * properties are pgrepl-spring-boot-autoconfigure's.
 *
 * @param connections The replication connections, by name.
 */
@ConfigurationProperties("pgrepl")
public record PgReplKafkaProperties(Map<String, Connection> connections) {

    public PgReplKafkaProperties {
        connections = connections == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(connections));
    }

    /**
     * One replication connection.
     *
     * @param kafka Its Kafka relay.
     */
    @ConfigurationPropertiesSource // descriptions and defaults of kafka.* of a connection, in the generated metadata
    public record Connection(@DefaultValue Kafka kafka) {
    }

    /**
     * The Kafka relay of a connection: each change as one record, a transaction confirmed only once the broker has all
     * of its records. The producer comes from spring.kafka.* (acks=all and idempotence are required).
     *
     * @param enabled Whether the connection's changes are relayed to Kafka.
     * @param topicPrefix Put before <schema>.<table> to name a table's topic; by default <name>. (the connection's
     *     name and a dot).
     * @param topics Topics of their own for some tables, by schema.table (or table, in any schema), e.g.
     *     topics[public.orders]=orders.
     * @param transactional Whether each PostgreSQL transaction is one Kafka transaction, so that read_committed
     *     consumers see whole transactions. Costs a round trip to the broker's transaction coordinator per transaction,
     *     and holds each transaction's records in memory until its commit.
     * @param transactionIdPrefix The transactional.id prefix of a transactional relay; by default
     *     pgrepl-<name>-. Its producers' transactional.id is the prefix and 0, also after a failed Kafka transaction.
     *     Keep it the same across restarts and instances of the application: a new producer then fences the old one.
     *     Distinct between connections (two transactional relays with one prefix are refused at startup).
     * @param maxInFlight Most bytes of records sent and not yet acknowledged (transactional: of one transaction's records,
     *     held until its commit); the relay waits beyond it, and the connection pauses meanwhile.
     * @param ackTimeout How long records may wait for an acknowledgement before the relay's health is DOWN; nothing is
     *     dropped meanwhile.
     * @param closeTimeout How long shutdown waits for the records in flight to be acknowledged, so that their
     *     transactions are confirmed.
     */
    public record Kafka(@DefaultValue("false") boolean enabled, String topicPrefix, Map<String, String> topics,
                        @DefaultValue("false") boolean transactional, String transactionIdPrefix,
                        @DefaultValue("32MB") DataSize maxInFlight, @DefaultValue("30s") Duration ackTimeout,
                        @DefaultValue("5s") Duration closeTimeout) {

        public Kafka {
            topics = topics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(topics));
        }
    }
}
