/**
 * The Kafka relay: {@link io.github.pgrepl.kafka.KafkaRelay}, a connection listener that publishes each change of a
 * replication connection as one record with spring-kafka's {@code KafkaTemplate} and lets the connection confirm a
 * PostgreSQL transaction only once the broker acknowledged all of its records; the {@link
 * io.github.pgrepl.kafka.ChangeRecordMapper} that makes a record of a change, with its JSON default; the relay's
 * settings and status.
 *
 * <p>Imports pgrepl-core, the listener API of pgrepl's Spring layer ({@code io.github.pgrepl.spring.listener}),
 * spring-kafka, the Kafka client and Jackson; never the auto-configuration.
 */
package io.github.pgrepl.kafka;
